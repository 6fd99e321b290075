import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lockDataFolder } from '../../../core/adapters/sqlite/data-folder-lock.js';
import { FleetError } from '../../../core/domain/errors.js';
import { connectFleetClient, type FleetGrpcClient } from '../../support/grpc-client.js';
import { type DaemonProcess, runFleet, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// One owner per data folder: a second daemon (or a one-shot writer) is refused at once, naming the
// folder and its owner, and never touches the first daemon's NATS or database.

describe('the data folder has one owner', () => {
  const dataDir = tempDataDir();
  let daemon: DaemonProcess;
  let client: FleetGrpcClient;

  beforeAll(async () => {
    daemon = await startDaemon(dataDir);
    client = connectFleetClient(`127.0.0.1:${daemon.port}`);
  });
  afterAll(async () => {
    client.close();
    await daemon.stop();
  });

  it('refuses a second daemon at once with exit 6, naming the folder and the owner, and the first keeps serving', async () => {
    const started = Date.now();
    const second = await runFleet(['serve', '--data-dir', dataDir, '--grpc-port', '0', '--model', 'tiny'], { timeoutMs: 30_000 });
    expect(second.code).toBe(6);
    expect(second.stderr).toContain(`the data folder ${dataDir} is in use by fleet serve (pid ${daemon.child.pid}`);
    expect(second.stderr).toContain(`serving gRPC on port ${daemon.port}`);
    expect(Date.now() - started).toBeLessThan(15_000);

    expect(await client.health()).toBe('SERVING');
    const d = await client.deliberate({ taskDescription: 'Add retries to the uploader', role: 'DEV', numAgents: 2 });
    expect(d.winnerId).not.toBe('');
  });

  it('refuses a one-shot deliberation on a folder the daemon owns, and lets readers read', async () => {
    const run = await runFleet(['deliberate', '--data-dir', dataDir, '--model', 'tiny', '--role', 'DEV', 'Add retries']);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/in use by fleet serve \(pid \d+/);
    const councils = await runFleet(['councils', '--data-dir', dataDir, '--json']);
    expect(councils.code).toBe(0);
  });

  it('is free again once the owner is gone, even killed: the kernel drops the lock', async () => {
    const other = tempDataDir();
    const victim = await startDaemon(other);
    victim.child.kill('SIGKILL');
    await victim.stop();
    const next = await startDaemon(other);
    expect(await next.stop()).toBe(0);
  });
});

describe('lockDataFolder', () => {
  it('refuses a second holder in the same process and frees the folder on release', () => {
    const dir = tempDataDir();
    const first = lockDataFolder(dir, { pid: process.pid, command: 'test', startedAt: 'now' });
    let refused: unknown;
    try {
      lockDataFolder(dir, { pid: 1, command: 'other', startedAt: 'now' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(FleetError);
    expect(refused).toMatchObject({ code: 'FAILED_PRECONDITION', field: 'data_dir' });
    expect((refused as Error).message).toContain(`in use by test (pid ${process.pid}`);
    first.release();
    first.release();
    lockDataFolder(dir, { pid: process.pid, command: 'test', startedAt: 'now' }).release();
  });
});
