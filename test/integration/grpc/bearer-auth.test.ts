import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type GrpcServer, startGrpcServer } from '../../../core/adapters/grpc/grpc-server.js';
import { runFleet } from '../../support/fleet-process.js';
import { collectStream, connectFleetClient, type ConnectOptions, type FleetGrpcClient } from '../../support/grpc-client.js';
import { ScriptedFleetService } from './scripted-fleet-service.js';

// The adapter with a token and TLS (a pair made by `fleet tls generate`), against real clients.

const TOKEN = 'e2f1c0ffee-test-token-0123456789';

describe('gRPC with a token and TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-tls-'));
  let rootCert: Buffer;
  let server: GrpcServer;
  let plainServer: GrpcServer;
  const clients: FleetGrpcClient[] = [];
  const connect = (port: number, options: ConnectOptions): FleetGrpcClient => {
    const client = connectFleetClient(`localhost:${port}`, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const generated = await runFleet(['tls', 'generate', '--out', join(dir, 'tls')]);
    expect(generated.code).toBe(0);
    rootCert = readFileSync(join(dir, 'tls', 'cert.pem'));
    const tls = { certChain: rootCert, privateKey: readFileSync(join(dir, 'tls', 'key.pem')) };
    const common = { fleet: new ScriptedFleetService().useCases, version: 'test', port: 0, shutdownGraceMs: 300 };
    server = await startGrpcServer({ ...common, token: TOKEN, tls });
    server.setServing(true);
    // A token on loopback without TLS: the token is required all the same.
    plainServer = await startGrpcServer({ ...common, token: TOKEN });
    plainServer.setServing(true);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([server.stop(), plainServer.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a TLS client without the token, unary and streaming, saying a token is needed', async () => {
    const client = connect(server.port, { rootCert });
    const unary = client.listCouncils({});
    await expect(unary).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    expect(((await unary.catch((e: unknown) => e)) as { details: string }).details).toMatch(/requires a token.*authorization: Bearer/);
    await expect(collectStream(client.streamDeliberation({ taskDescription: 'Add retries', role: 'DEV' }))).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
  });

  it('refuses a wrong token without saying which one it wants', async () => {
    const client = connect(server.port, { rootCert, token: 'not-the-token-but-long-enough' });
    const refused = (await client.listCouncils({}).catch((e: unknown) => e)) as { code: number; details: string };
    expect(refused.code).toBe(status.UNAUTHENTICATED);
    expect(refused.details).toContain('not accepted');
    expect(refused.details).not.toContain(TOKEN);
    // A prefix of the right token is no closer than any other.
    const prefix = connect(server.port, { rootCert, token: TOKEN.slice(0, -1) });
    await expect(prefix.listCouncils({})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('serves a TLS client with the token, unary and streaming', async () => {
    const client = connect(server.port, { rootCert, token: TOKEN });
    expect(await client.listCouncils({})).toMatchObject({ councils: expect.any(Array) });
    const updates = await collectStream(client.streamDeliberation({ taskId: 'auth-1', taskDescription: 'Add retries', role: 'DEV' }));
    expect(updates.length).toBeGreaterThan(0);
  });

  it('leaves the health service open, for probes that cannot send a token', async () => {
    expect(await connect(server.port, { rootCert }).health()).toBe('SERVING');
  });

  it('does not speak plaintext on a TLS port', async () => {
    await expect(connect(server.port, { token: TOKEN }).listCouncils({}, { deadline: new Date(Date.now() + 3_000) })).rejects.toMatchObject(
      {
        code: status.UNAVAILABLE,
      },
    );
  });

  it('requires the token on loopback plaintext too, when one is set', async () => {
    await expect(connect(plainServer.port, {}).listCouncils({})).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await connect(plainServer.port, { token: TOKEN }).listCouncils({})).toMatchObject({ councils: expect.any(Array) });
  });
});
