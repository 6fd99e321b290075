import { describe, expect, it } from 'vitest';
import { retryWhileConnected } from '../../../core/adapters/nats/retry.js';
import { useNatsServer } from './nats-fixture.js';

const nats = useNatsServer();

/** Runs a retry whose every try fails, and says how long it waited before each try after the first. */
async function waits(run: (attempt: () => Promise<never>) => Promise<unknown>, onTry?: (n: number) => void): Promise<number[]> {
  const at: number[] = [];
  await run(() => {
    at.push(performance.now());
    onTry?.(at.length);
    return Promise.reject(new Error(`try ${at.length} failed`));
  }).catch((e: unknown) => expect((e as Error).message).toBe(`try ${at.length} failed`));
  return at.slice(1).map((t, i) => t - at[i]!);
}

describe('retryWhileConnected', () => {
  it('tries `attempts` times, each wait `factor` times the one before up to the most, and throws the last failure', async () => {
    const nc = await nats().connect();
    const gaps = await waits((attempt) => retryWhileConnected(nc, attempt, { attempts: 4, firstDelayMs: 20, factor: 5, maxDelayMs: 300 }));
    expect(gaps).toHaveLength(3);
    [20, 100, 300].forEach((ms, i) => expect(gaps[i]).toBeGreaterThanOrEqual(ms - 2));
    expect(gaps[2]).toBeLessThan(450);
  });

  it('stops once the connection is closed or the caller gave up', async () => {
    const nc = await nats().connect();
    let abandoned = false;
    const retries = { attempts: 5, firstDelayMs: 10, factor: 1, abandoned: () => abandoned };
    const retry = (attempt: () => Promise<never>) => retryWhileConnected(nc, attempt, retries);
    const giveUpOnSecondTry = (n: number): void => {
      abandoned = n === 2;
    };
    expect(await waits(retry, giveUpOnSecondTry)).toHaveLength(1);
    abandoned = false;
    const closeOnThirdTry = (n: number): void => {
      if (n === 3) void nc.close();
    };
    expect(await waits(retry, closeOnThirdTry)).toHaveLength(2);
  });
});
