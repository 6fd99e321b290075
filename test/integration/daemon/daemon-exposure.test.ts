import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';

import { connectFleetClient, type ConnectOptions, type FleetGrpcClient } from '../../support/grpc-client.js';
import { type DaemonProcess, runFleet, startDaemon, tempDataDir } from '../../support/fleet-process.js';

// `fleet serve` beyond loopback: refused unless it has a token and TLS, or is told --insecure.

const TOKEN = 'daemon-test-token-0123456789abcdef';
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);
const natsConfig = (dataDir: string): string => readFileSync(join(dataDir, 'nats', 'nats-server.conf'), 'utf8');

describe('the daemon on a non-loopback address', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const daemonOn = async (dataDir: string, args: string[]): Promise<DaemonProcess> => {
    const daemon = await startDaemon(dataDir, args);
    cleanups.push(() => daemon.stop());
    return daemon;
  };
  const client = (port: number, options: ConnectOptions): FleetGrpcClient => {
    const c = connectFleetClient(`localhost:${port}`, options);
    cleanups.push(() => c.close());
    return c;
  };

  it('refuses to start without a token and TLS (exit 6), saying what is missing, before anything starts', async () => {
    const dataDir = tempDataDir();
    const run = await runFleet(['serve', '--data-dir', dataDir, '--grpc-port', '0', '--model', 'tiny', '--grpc-host', '0.0.0.0']);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/--grpc-host 0\.0\.0\.0 is reachable from other machines: .*a token .* and TLS .*--insecure/);
    expect(existsSync(join(dataDir, 'nats'))).toBe(false);
  });

  it('starts with --insecure, warning on stderr', async () => {
    const dataDir = tempDataDir();
    const daemon = await daemonOn(dataDir, ['--grpc-host', '0.0.0.0', '--insecure', '--nats-monitoring']);
    expect(daemon.output()).toMatch(/\[warn\] INSECURE \(--insecure\): the gRPC API on 0\.0\.0\.0 is served in plaintext with no token/);
    expect(await client(daemon.port, {}).health()).toBe('SERVING');
    // The embedded nats-server's monitoring port, asked for here.
    expect(natsConfig(dataDir)).toMatch(/^http: "127\.0\.0\.1:-1"$/m);
  });

  it('with a token and TLS (a pair from fleet tls generate): refuses a client without the token, serves one with it', async () => {
    const dataDir = tempDataDir();
    const tlsDir = join(tempDataDir(), 'tls');
    expect((await runFleet(['tls', 'generate', '--out', tlsDir])).code).toBe(0);
    const cert = join(tlsDir, 'cert.pem');
    const tlsArgs = ['--grpc-tls-cert', cert, '--grpc-tls-key', join(tlsDir, 'key.pem')];
    const daemon = await daemonOn(dataDir, ['--grpc-host', '0.0.0.0', '--grpc-token', TOKEN, ...tlsArgs]);
    expect(daemon.output()).not.toContain('INSECURE');
    const rootCert = readFileSync(cert);

    const anonymous = client(daemon.port, { rootCert });
    await expect(anonymous.listCouncils({})).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringMatching(/requires a token/),
    });
    expect(await anonymous.health()).toBe('SERVING');
    const councils = await client(daemon.port, { rootCert, token: TOKEN }).listCouncils({});
    expect(councils.councils).toHaveLength(5);

    // What it keeps is its owner's alone: the folder 0700, the database (with its WAL files) and the log 0600.
    expect(mode(dataDir)).toBe('700');
    for (const file of ['fleet.db', 'fleet.db-wal', 'fleet.db-shm', join('logs', 'fleet.log')])
      expect([file, mode(join(dataDir, file))]).toEqual([file, '600']);
    expect(mode(join(dataDir, 'logs'))).toBe('700');
    // Not asked for, the embedded nats-server has no monitoring port.
    expect(natsConfig(dataDir)).not.toMatch(/^http/m);
  });

  it('keeps the desktop UI on loopback unless --insecure; its calls reach a gRPC API served with TLS and a token', async () => {
    const refused = await runFleet(['serve', '--data-dir', tempDataDir(), '--grpc-port', '0', '--model', 'tiny', '--ui-host', '0.0.0.0']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/--ui-host 0\.0\.0\.0 is reachable from other machines: the UI is plain HTTP/);

    const tlsDir = join(tempDataDir(), 'tls');
    expect((await runFleet(['tls', 'generate', '--out', tlsDir])).code).toBe(0);
    const tlsArgs = ['--grpc-tls-cert', join(tlsDir, 'cert.pem'), '--grpc-tls-key', join(tlsDir, 'key.pem')];
    const daemon = await daemonOn(tempDataDir(), ['--grpc-host', '0.0.0.0', '--grpc-token', TOKEN, ...tlsArgs, '--ui-port', '0']);
    const ui = new URL(/^ui: (\S+)$/m.exec(daemon.output())![1]!);
    const answer = await fetch(`${ui.origin}/fleet.orchestrator.v1.OrchestratorService/ListCouncils`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ui.searchParams.get('token')}` },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { councils: unknown[] }).councils).toHaveLength(5);
  });
});
