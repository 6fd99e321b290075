import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';

import { connectNats } from '../../../core/adapters/nats/connect.js';
import { CLUSTER_STREAM_LIMITS, ensureStreams } from '../../../core/adapters/nats/streams.js';
import { DeliberationStatus } from '../../../proto/gen/fleet/orchestrator/v1/orchestrator.js';
import { connectFleetClient, type FleetGrpcClient } from '../../support/grpc-client.js';
import { daemonNatsEndpoint, type DaemonProcess, natsServerPid, runFleet, startDaemon, tempDataDir } from '../../support/fleet-process.js';
import { isProcessAlive } from '../../../core/base/process-liveness.js';
import { startTestNatsServer } from '../../support/nats-server.js';
import { mountTmpfs, type Tmpfs, tmpfsUnavailable } from '../../support/tmpfs.js';

// The real daemon (`fleet serve --model tiny`, its real nats-server, SQLite) on a small tmpfs data
// folder: it starts and restarts on a laptop-sized disk, refuses a disk too small for it with the
// numbers, and a disk that fills while it runs fails the work at once, says NOT_SERVING, and serves
// again when there is room.

const cannotMount = tmpfsUnavailable();
if (cannotMount !== undefined) console.warn(`disk-space tests skipped: ${cannotMount}`);

const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

/**
 * Publishes to the daemon's JetStream on a full disk until a publish goes unanswered: nats-server 2.9
 * either refuses each ("no space left on device") or deadlocks, and the daemon must stop either way.
 */
async function publishOnFullDisk(dataDir: string): Promise<void> {
  const nc = await connectNats({ ...daemonNatsEndpoint(dataDir), ensureStreams: false });
  try {
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) {
      const answered = await js.publish('context.filler', new Uint8Array(64 * 1024), { timeout: 1_000 }).then(
        () => true,
        (e: Error) => e.name !== 'TimeoutError',
      );
      if (!answered) return;
    }
  } finally {
    await nc.close();
  }
}

const task = (taskId: string, rounds = 1) => ({
  taskId,
  taskDescription: 'Add retries to the artifact uploader',
  role: 'DEV',
  numAgents: 3,
  rounds,
  constraints: { requirements: ['Failed uploads are retried with backoff'] },
});

describe.skipIf(cannotMount !== undefined)('the daemon on a small disk', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function disk(sizeMb: number): Tmpfs {
    const fs = mountTmpfs(sizeMb);
    cleanups.push(() => fs.unmount());
    return fs;
  }

  async function daemonOn(dataDir: string, args: string[] = []): Promise<{ daemon: DaemonProcess; client: FleetGrpcClient }> {
    const daemon = await startDaemon(dataDir, args);
    const pid = natsServerPid(dataDir);
    cleanups.push(async () => {
      await daemon.stop();
      // Nothing left holding the mount.
      if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    const client = connectFleetClient(`127.0.0.1:${daemon.port}`);
    cleanups.push(() => client.close());
    return { daemon, client };
  }

  it('starts, deliberates and starts again on a 256 MiB disk, its JetStream sized for it', async () => {
    const fs = disk(256);
    const dataDir = join(fs.dir, 'data');
    for (const run of [1, 2]) {
      const { daemon, client } = await daemonOn(dataDir);
      expect(await client.health()).toBe('SERVING');
      const done = await client.deliberate(task(`small-disk-${run}`));
      expect(done.status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
      expect(await daemon.stop()).toBe(0);
    }
    // 96 MiB for the six streams, the server's budget the same.
    expect(readFileSync(join(dataDir, 'nats', 'nats-server.conf'), 'utf8')).toContain(`max_file_store: ${96 * 1024 * 1024}`);
    expect(fs.free()).toBeGreaterThan(64 * 1024 * 1024);
  });

  it('refuses a disk too small, naming the folder, what is free and what is needed; a smaller store fits', async () => {
    const fs = disk(64);
    const dataDir = join(fs.dir, 'data');
    const refused = await runFleet(['serve', '--data-dir', dataDir, '--grpc-port', '0', '--model', 'tiny']);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(
      new RegExp(
        `resource exhausted: not enough free disk for the data folder ${dataDir}: \\d+\\.\\d MiB free, 128\\.0 MiB needed ` +
          `\\(96\\.0 MiB for the event streams \\(natsStoreMb 96\\), 32\\.0 MiB for the database and logs\\)`,
      ),
    );
    expect(refused.stderr).toContain('--nats-store-mb');

    // The flag, then the config file's key, each lowers the budget enough.
    const { daemon, client } = await daemonOn(dataDir, ['--nats-store-mb', '12']);
    expect(await client.health()).toBe('SERVING');
    expect(readFileSync(join(dataDir, 'nats', 'nats-server.conf'), 'utf8')).toContain(`max_file_store: ${12 * 1024 * 1024}`);
    expect(await daemon.stop()).toBe(0);
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ natsStoreMb: 12 }));
    const again = await daemonOn(dataDir);
    expect(await again.client.health()).toBe('SERVING');
  });

  it('fails the work at once on a full disk, says NOT_SERVING, serves again when there is room, and stops within its grace', async () => {
    const fs = disk(256);
    const dataDir = join(fs.dir, 'data');
    const { daemon, client } = await daemonOn(dataDir);
    expect((await client.deliberate(task('before-full'))).status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);

    // One running while the disk fills.
    const running = client.deliberate(task('while-full', 5)).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    await new Promise((r) => setTimeout(r, 500));
    const filler = fs.fill();
    const filledAt = Date.now();
    const failed = await running;
    expect(Date.now() - filledAt).toBeLessThan(5_000);
    expect(failed?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(failed?.details).toMatch(/disk full: /);

    await until(async () => (await client.health()) === 'NOT_SERVING', 10_000, 'health NOT_SERVING');
    expect((await client.getStatus()).status).toBe('NOT_SERVING');
    const refused = (await client.deliberate(task('new-while-full')).catch((e: ServiceError) => e)) as ServiceError;
    expect(refused.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(refused.details).toContain(`disk full: ${dataDir}`);

    rmSync(filler);
    await until(async () => (await client.health()) === 'SERVING', 90_000, 'health SERVING again');
    expect((await client.getStatus()).status).toBe('SERVING');
    expect((await client.deliberate(task('after-full'))).status).toBe(DeliberationStatus.DELIBERATION_STATUS_COMPLETED);
    // The one the disk cut short is on record as failed, not left IN_PROGRESS.
    const cut = await client.getDeliberationResult({ taskId: 'while-full' });
    expect(cut.status).toBe(DeliberationStatus.DELIBERATION_STATUS_FAILED);
    expect(cut.errorMessage).toMatch(/disk full: /);

    // Full again under a running deliberation, and stopped at once, JetStream wedged: within the grace.
    const second = client.deliberate(task('while-full-again', 5)).catch((e: ServiceError) => e);
    await new Promise((r) => setTimeout(r, 500));
    fs.fill();
    expect(((await second) as ServiceError).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    await publishOnFullDisk(dataDir);
    const stopAt = Date.now();
    expect(await daemon.stop()).toBe(0);
    // gRPC calls get 2 s and turns in hand 5 s when the disk has room; a wedged JetStream is let go at once.
    expect(Date.now() - stopAt).toBeLessThan(10_000);
  }, 240_000);
});

describe('the daemon on a store an earlier version sized for a cluster', () => {
  it('takes its streams over at the workstation size, keeping their messages', async () => {
    const dataDir = tempDataDir();
    // 1 GiB a stream, as every version before the workstation limits made them.
    const old = await startTestNatsServer({ dataDir: join(dataDir, 'nats') });
    const nc = await old.connect({ ensureStreams: false });
    await ensureStreams(nc, { limits: CLUSTER_STREAM_LIMITS });
    await jetstream(nc).publish('context.updated', new TextEncoder().encode('{"kept":true}'));
    await old.stop();

    const daemon = await startDaemon(dataDir);
    try {
      const client = connectFleetClient(`127.0.0.1:${daemon.port}`);
      expect(await client.health()).toBe('SERVING');
      client.close();
      const ours = await connectNats({ ...daemonNatsEndpoint(dataDir), ensureStreams: false });
      try {
        const info = await (await jetstreamManager(ours)).streams.info('CONTEXT');
        expect(info.config.max_bytes).toBe(16 * 1024 * 1024);
        expect(info.state.messages).toBe(1);
      } finally {
        await ours.close();
      }
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});
