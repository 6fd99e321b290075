import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  type DaemonState,
  type DaemonSupervisor,
  type DaemonSupervisorOptions,
  superviseDaemon,
} from '../../../main/electron/daemon-supervisor.js';

// The supervisor against real child processes: a stand-in that keeps `fleet serve`'s stdout contract.

const STAND_IN = path.join(import.meta.dirname, 'stand-in-daemon.ts');

interface Supervised {
  readonly supervisor: DaemonSupervisor;
  readonly states: DaemonState[];
  readonly stdout: string[];
  /** Resolves with the first state (from the `from`th on) that `match` accepts. */
  next(match: (state: DaemonState) => boolean, from?: number): Promise<DaemonState>;
}

const running: DaemonSupervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function supervise(mode: string, options: Partial<DaemonSupervisorOptions> = {}): Supervised {
  const states: DaemonState[] = [];
  const stdout: string[] = [];
  const waiters = new Set<() => void>();
  const supervisor = superviseDaemon({
    command: process.execPath,
    args: ['--import', 'tsx', STAND_IN, mode],
    firstRestartMs: 100,
    stopGraceMs: 2_000,
    ...options,
    onState: (state) => {
      states.push(state);
      for (const wake of waiters) wake();
    },
    onOutput: (line, stream) => {
      if (stream === 'stdout') stdout.push(line);
    },
  });
  running.push(supervisor);
  const next = (match: (state: DaemonState) => boolean, from = 0): Promise<DaemonState> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such state within 20 s; states: ${JSON.stringify(states)}`)), 20_000);
      const check = (): void => {
        const found = states.slice(from).find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { supervisor, states, stdout, next };
}

/** Alive and not a zombie (a container's pid 1 may never reap an orphan). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const kinds = (states: readonly DaemonState[]) => states.map((s) => s.kind);

describe('the daemon supervisor', () => {
  it('reports the daemon ready with the endpoint of its ui line, and stops it leaving no process', async () => {
    const { supervisor, states, next } = supervise('serve');
    const ready = await next((s) => s.kind === 'ready');
    expect(ready).toMatchObject({ kind: 'ready', origin: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    if (ready.kind !== 'ready') throw new Error('unreachable');
    expect(ready.url).toBe(`${ready.origin}/?token=${ready.token}`);
    // The port is real: the stand-in answers on it.
    expect(await (await fetch(ready.url)).text()).toBe('ok');

    const pid = supervisor.pid;
    expect(pid).toBeDefined();
    await supervisor.stop();
    expect(kinds(states)).toEqual(['starting', 'ready', 'stopped']);
    expect(alive(pid ?? 0)).toBe(false);
  });

  it('restarts a daemon killed with SIGKILL: crashed, then starting and ready again on a new endpoint', async () => {
    const { supervisor, states, next } = supervise('serve');
    const first = await next((s) => s.kind === 'ready');
    const pid = supervisor.pid ?? 0;
    process.kill(pid, 'SIGKILL');

    const crashed = await next((s) => s.kind === 'crashed');
    expect(crashed).toMatchObject({ kind: 'crashed', code: null, signal: 'SIGKILL', restartInMs: 100 });
    if (crashed.kind === 'crashed') expect(crashed.reason).toContain('exited with signal SIGKILL');
    const again = await next((s) => s.kind === 'ready', states.indexOf(crashed));
    expect(kinds(states)).toEqual(['starting', 'ready', 'crashed', 'starting', 'ready']);
    expect(states[3]).toEqual({ kind: 'starting', attempt: 2 });
    expect(supervisor.pid).not.toBe(pid);
    if (first.kind === 'ready' && again.kind === 'ready') expect(again.url).not.toBe(first.url);
  });

  it('says plainly when the daemon never prints its ui line, kills it and tries again', async () => {
    const { supervisor, next } = supervise('silent', { readyTimeoutMs: 1_500 });
    await next((s) => s.kind === 'starting');
    const pid = supervisor.pid ?? 0;
    const crashed = await next((s) => s.kind === 'crashed');
    expect(crashed).toMatchObject({ kind: 'crashed', restartInMs: 100 });
    if (crashed.kind === 'crashed') expect(crashed.reason).toBe('the daemon printed no "ui: …" line within 1500 ms');
    expect(alive(pid)).toBe(false);
    await next((s) => s.kind === 'starting' && s.attempt === 2);
  });

  it('passes on why a daemon exited and backs off, doubling up to the cap', async () => {
    const { next, states } = supervise('fail', { maxRestartMs: 300 });
    await next((s) => s.kind === 'crashed', 0);
    const crashes = async (n: number) => {
      while (states.filter((s) => s.kind === 'crashed').length < n) await next((s) => s.kind === 'crashed', states.length);
      return states.filter((s) => s.kind === 'crashed');
    };
    const crashed = await crashes(4);
    expect(crashed[0]).toMatchObject({
      code: 6,
      signal: null,
      reason: 'the daemon exited with code 6: data folder /tmp/x is owned by pid 4242 (fleet serve)',
    });
    expect(crashed.map((s) => (s.kind === 'crashed' ? s.restartInMs : -1))).toEqual([100, 200, 300, 300]);
  });

  it('stops a daemon that ignores SIGTERM with SIGKILL after the grace period, and what it started with it', async () => {
    const { supervisor, stdout, states, next } = supervise('stubborn', { stopGraceMs: 800 });
    await next((s) => s.kind === 'ready');
    const grandchild = Number(/^grandchild: (\d+)$/.exec(stdout.find((l) => l.startsWith('grandchild:')) ?? '')?.[1]);
    const pid = supervisor.pid ?? 0;
    expect(alive(grandchild)).toBe(true);

    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(stdout).toContain('ignoring SIGTERM');
    expect(alive(pid)).toBe(false);
    // The group's SIGKILL may land a moment after the daemon's own exit is seen.
    await expect.poll(() => alive(grandchild), { timeout: 2_000 }).toBe(false);
    expect(kinds(states)).toEqual(['starting', 'ready', 'stopped']);
  });

  it('starts nothing more once stopped while waiting to restart', async () => {
    const { supervisor, states, next } = supervise('fail', { firstRestartMs: 1_000 });
    await next((s) => s.kind === 'crashed');
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(kinds(states)).toEqual(['starting', 'crashed', 'stopped']);
    expect(supervisor.pid).toBeUndefined();
  });
});
