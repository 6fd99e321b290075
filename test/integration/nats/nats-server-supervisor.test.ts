import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNats } from '../../../core/adapters/nats/connect.js';
import { locateNatsServer } from '../../../core/adapters/nats/server/nats-server-binary.js';
import { NatsServerSupervisor } from '../../../core/adapters/nats/server/nats-server-supervisor.js';
import { FleetError } from '../../../core/domain/errors.js';
import { startTestNatsServer, type TestNatsServer } from '../../support/nats-server.js';
import { isAlive, listeningAddresses, startOwner, waitFor, waitGone } from './processes.js';

const LOOPBACK_V4 = '0100007F';

let running: TestNatsServer | undefined;
const dirs: string[] = [];
const serverPids: number[] = [];

afterEach(async () => {
  await running?.stop();
  running = undefined;
  // No test leaves a nats-server behind, whatever it did to it.
  for (const pid of serverPids.splice(0)) await waitGone(pid, 5_000);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-nats-sup-'));
  dirs.push(dir);
  return dir;
};

async function start(options: Parameters<typeof startTestNatsServer>[0] = {}): Promise<TestNatsServer> {
  running = await startTestNatsServer(options);
  serverPids.push(running.server.pid!);
  return running;
}

describe('embedded nats-server supervisor', () => {
  it('starts ready, on loopback only, with token auth and JetStream', async () => {
    const { server, connect: connectClient } = await start();
    expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    // The client port: never the wildcard address, v4 or v6. No monitoring port unless asked for.
    expect(listeningAddresses(server.port)).toEqual([LOOPBACK_V4]);
    expect(server.monitorUrl).toBe('');
    expect(readFileSync(join(server.pidFile, '..', 'nats-server.conf'), 'utf8')).not.toMatch(
      /^\s*(http|https|http_port|monitor_port)\s*:/m,
    );

    const nc = await connectClient();
    expect(nc.info?.jetstream).toBe(true);
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/authoriz/i);
    const refused = await connectNats({ url: server.url, token: 'wrong', ensureStreams: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FleetError);
    expect((refused as FleetError).code).toBe('UNAVAILABLE');
    expect((refused as FleetError).message).toContain(server.url);
    // 2.9.x refuses `sync_interval`; a newer binary gets `always`.
    expect(['always', 'server-default']).toContain(server.sync);
  });

  it('opens the monitoring port when asked for, on loopback only', async () => {
    const { server } = await start({ monitoring: true });
    const monitorPort = Number(new URL(server.monitorUrl).port);
    expect(listeningAddresses(monitorPort)).toEqual([LOOPBACK_V4]);
    expect((await fetch(`${server.monitorUrl}/healthz`)).ok).toBe(true);
  });

  it('kills and restarts a server whose JetStream stops answering, asking on the client port', async () => {
    const { server, events } = await start({ watchdogIntervalMs: 300, watchdogFailures: 2 });
    const first = server.pid!;
    // A stopped process answers nothing, as a 2.9 server deadlocked on a full disk answers no JetStream call.
    process.kill(first, 'SIGSTOP');
    await waitFor(() => server.pid !== undefined && server.pid !== first, 'a new server after the wedged one');
    expect(events).toContainEqual(expect.objectContaining({ type: 'wedged', pid: first }));
  });

  it('reports an unreachable NATS as UNAVAILABLE naming the URL, without the credentials', async () => {
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await connectNats({ url: `nats://secret@127.0.0.1:${port}`, timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('UNAVAILABLE');
    expect((error as FleetError).message).toMatch(new RegExp(`^cannot connect to NATS at nats://127\\.0\\.0\\.1:${port}: `));
    expect((error as FleetError).message).not.toContain('secret');
  });

  it('takes another port when the preferred one is busy', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as { port: number }).port;
    try {
      const { server } = await start({ preferredPort: busy });
      expect(server.port).not.toBe(busy);
      expect(server.port).toBeGreaterThan(0);
    } finally {
      blocker.close();
    }
  });

  it('restarts a server killed with SIGKILL on the same URL, and clients reconnect', async () => {
    const test = await start({ restartDelayMs: 50 });
    const { server } = test;
    const nc = await test.connect();
    const url = server.url;
    const first = server.pid!;
    const reconnected = (async () => {
      for await (const s of nc.status()) if (s.type === 'reconnect') return true;
      return false;
    })();
    process.kill(first, 'SIGKILL');
    await waitFor(() => test.events.some((e) => e.type === 'started' && e.restart), 'the restart');
    expect(test.events.map((e) => e.type)).toEqual(expect.arrayContaining(['exited', 'restarting', 'started']));
    expect(test.events.find((e) => e.type === 'exited')).toMatchObject({ pid: first, signal: 'SIGKILL', expected: false });
    expect(server.url).toBe(url);
    expect(server.pid).not.toBe(first);
    serverPids.push(server.pid!);
    // The client gets its connection back and JetStream still answers.
    expect(await reconnected).toBe(true);
    await expect(nc.request('$JS.API.INFO', undefined, { timeout: 5_000 })).resolves.toBeDefined();
  });

  it('leaves no nats-server behind after stop', async () => {
    const { server, dataDir } = await start();
    const pid = server.pid!;
    await running!.stop();
    running = undefined;
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'nats-server.pid'))).toBe(false);
    await server.stop(); // twice is fine
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops its server when the owner gets %s', async (signal) => {
    const owner = await startOwner(tempDir());
    serverPids.push(owner.serverPid);
    expect(isAlive(owner.serverPid)).toBe(true);
    owner.child.kill(signal);
    // The owner still ends the way the signal ends a process, after stopping its server.
    expect(await owner.exited).toEqual({ code: null, signal });
    await waitGone(owner.serverPid, 5_000);
  });

  it('stops a server left running by an owner killed with SIGKILL, on the next start', async () => {
    const dataDir = tempDir();
    const owner = await startOwner(dataDir);
    serverPids.push(owner.serverPid);
    owner.child.kill('SIGKILL');
    await owner.exited;
    expect(isAlive(owner.serverPid)).toBe(true); // orphaned, as a kill -9 leaves it

    const next = await start({ dataDir });
    expect(next.events).toContainEqual({ type: 'stale-server-stopped', pid: owner.serverPid });
    expect(isAlive(owner.serverPid)).toBe(false);
    expect(next.server.pid).not.toBe(owner.serverPid);
  });

  it('leaves a process alone whose pid the stale pid file names but which is not our server', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'nats-server.pid'), String(process.pid));
    const { events } = await start({ dataDir });
    expect(events.some((e) => e.type === 'stale-server-stopped')).toBe(false);
  });

  it('reports a missing binary as UNAVAILABLE with how to install it', () => {
    const missing = (): unknown => locateNatsServer({ bundled: [], env: { PATH: '/nonexistent' }, systemDirs: [] });
    expect(missing).toThrow(FleetError);
    expect(missing).toThrow(/apt-get install nats-server.*NATS_SERVER_BIN/);
    expect(() => locateNatsServer({ bundled: [], env: { NATS_SERVER_BIN: '/nonexistent/nats-server' } })).toThrow(
      /NATS_SERVER_BIN=\/nonexistent\/nats-server is not an executable/,
    );
    expect(locateNatsServer({ bundled: [], env: { PATH: '/nonexistent' } }).source).toBe('PATH');
  });

  it('fails to start with UNAVAILABLE and the reason when the binary is not a nats-server', async () => {
    const error = await NatsServerSupervisor.start({
      dataDir: tempDir(),
      binary: { path: '/bin/false', source: 'NATS_SERVER_BIN' },
      readyTimeoutMs: 3_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('UNAVAILABLE');
    expect((error as FleetError).message).toMatch(/did not start: nats-server exited during startup/);
  });
});
