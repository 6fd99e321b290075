import { afterEach, describe, expect, it, vi } from 'vitest';

import { FleetError } from '../../../../core/domain/errors.js';
import { serveCommand } from '../../../../main/cli/serve-command.js';
import { tempDataDir } from '../../../support/fleet-process.js';

const stopFailure = new FleetError('UNAVAILABLE', 'nats-server would not stop');

vi.mock('../../../../main/daemon.js', () => ({
  startDaemon: async () => ({ grpcPort: 50999, stop: () => Promise.reject(stopFailure) }),
}));

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const before = new Map(SIGNALS.map((s) => [s, process.rawListeners(s)]));

afterEach(() => {
  vi.restoreAllMocks();
  for (const s of SIGNALS) for (const l of process.rawListeners(s)) if (!before.get(s)!.includes(l)) process.off(s, l as () => void);
});

describe('fleet serve', () => {
  it('ends with the error of a stop that failed, rather than leaving it unhandled', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const served = serveCommand().exitOverride().parseAsync(['--data-dir', tempDataDir(), '--model', 'tiny'], { from: 'user' });
    const outcome = served.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await vi.waitFor(() => expect(process.listenerCount('SIGTERM')).toBeGreaterThan(before.get('SIGTERM')!.length));

    process.emit('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000).unref());
    expect(await Promise.race([outcome, timeout])).toBe(stopFailure);
  });
});
