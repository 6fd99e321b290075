import { describe, expect, it } from 'vitest';

import { isProcessAlive } from '../../../core/base/process-liveness.js';
import { natsServerPid, startDaemon, tempDataDir } from '../../support/fleet-process.js';

describe('the daemon and its terminal', () => {
  it('stops cleanly on SIGHUP (the terminal closed): exit 0, and no nats-server left listening', async () => {
    const dataDir = tempDataDir();
    const daemon = await startDaemon(dataDir);
    const nats = natsServerPid(dataDir);
    expect(isProcessAlive(nats)).toBe(true);

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      daemon.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    daemon.child.kill('SIGHUP');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(daemon.output()).toContain('received SIGHUP, stopping');
    // The daemon waited for its nats-server to exit before it did (and reaped it).
    expect(isProcessAlive(nats)).toBe(false);
  });
});
