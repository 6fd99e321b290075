import { describe, expect, it } from 'vitest';

import { Semaphore } from '../../../core/base/semaphore.js';

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> =>
  Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), 10)),
  ]);

describe('Semaphore', () => {
  it('lets `size` in, then serves waiters first come, first served', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => (order.push('c'), r));
    const d = s.acquire().then((r) => (order.push('d'), r));
    expect(await settled(c)).toBe('pending');
    a();
    a(); // a second release of the same slot does nothing
    await c;
    expect(await settled(d)).toBe('pending');
    expect(s.inUse).toBe(2);
    (await c)();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  it('gives up a wait when the signal aborts, with its reason, and keeps the queue intact', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const aborted = s.acquire(controller.signal);
    const next = s.acquire();
    controller.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    held();
    expect(await settled(next)).toBe('resolved');
    await expect(s.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('tells when a slot is free without taking it, and lets everyone through once closed', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const free = s.whenFree();
    expect(await settled(free)).toBe('pending');
    held();
    expect(await settled(free)).toBe('resolved');
    expect(s.inUse).toBe(0);

    await s.acquire();
    const waiting = s.acquire();
    const watching = s.whenFree();
    s.close();
    expect(await settled(waiting)).toBe('resolved');
    expect(await settled(watching)).toBe('resolved');
    expect(await settled(s.acquire())).toBe('resolved');
    expect(s.inUse).toBe(3);
  });

  it('never waits with Infinity', async () => {
    const s = new Semaphore(Infinity);
    await Promise.all(Array.from({ length: 100 }, () => s.acquire()));
    expect(s.inUse).toBe(100);
  });
});
