import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { type DaemonState, superviseDaemon } from '../../../main/electron/daemon-supervisor.js';

// The supervisor with the real `fleet serve --ui-port 0`, as the desktop app runs it (there under Electron
// as Node): the daemon's native side killed outright, restarted, stopped with nothing of it left running.

const FLEET = path.resolve(import.meta.dirname, '../../../bin/fleet.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'fleet-desktop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Pids of the nats-servers started for this test's data folder. */
function natsServers(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return (
          cmdline.includes('nats-server') && cmdline.includes(dataDir) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(process.platform !== 'linux')('the supervisor with the real daemon', () => {
  it('restarts `fleet serve` after a SIGKILL and stops it leaving no nats-server behind', async () => {
    const states: DaemonState[] = [];
    let wake = (): void => undefined;
    const supervisor = superviseDaemon({
      command: process.execPath,
      args: [FLEET, 'serve', '--ui-port', '0', '--grpc-port', '0', '--data-dir', dataDir, '--no-local-workers', '--model', 'tiny'],
      readyTimeoutMs: 60_000,
      firstRestartMs: 200,
      onState: (state) => {
        states.push(state);
        wake();
      },
    });
    const readyCount = async (n: number): Promise<void> => {
      while (states.filter((s) => s.kind === 'ready').length < n) {
        if (states.filter((s) => s.kind === 'crashed').length > 1) throw new Error(`the daemon keeps failing: ${JSON.stringify(states)}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    try {
      await readyCount(1);
      const ready = states.at(-1);
      if (ready?.kind !== 'ready') throw new Error('not ready');
      expect((await fetch(ready.url)).status).toBe(200);
      expect(natsServers()).toHaveLength(1);

      process.kill(supervisor.pid ?? 0, 'SIGKILL');
      await readyCount(2);
      expect(states.map((s) => s.kind)).toEqual(['starting', 'ready', 'crashed', 'starting', 'ready']);
      expect(states[2]).toMatchObject({ signal: 'SIGKILL' });
      expect(natsServers()).toHaveLength(1);
    } finally {
      await supervisor.stop();
    }
    expect(natsServers()).toEqual([]);
  });
});
