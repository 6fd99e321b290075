import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../main/config.js';
import { grpcSecurity, isLoopback } from '../../../main/grpc-security.js';
import type { Logger } from '../../../main/log.js';

const TOKEN = 'a-token-long-enough-0123456789';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level} ${message}`) };
}

async function pair(dir: string, name = 'a'): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private);
  return { cert, key };
}

const configWith = (overrides: Parameters<typeof loadConfig>[0]) =>
  loadConfig({ dataDir: mkdtempSync(join(tmpdir(), 'fleet-sec-')), ...overrides }, {});

describe('who may call the gRPC API', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
    ['fleet.example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it('serves loopback as configured, with no warning', () => {
    const log = recorder();
    expect(grpcSecurity(configWith({}), { insecure: false }, log)).toEqual({});
    expect(grpcSecurity(configWith({ grpcToken: TOKEN }), { insecure: false }, log)).toEqual({ token: TOKEN });
    expect(log.lines).toEqual([]);
  });

  it('refuses beyond loopback without a token and TLS, naming what is missing and --insecure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sec-'));
    const { cert, key } = await pair(dir);
    const refuse = (overrides: Parameters<typeof loadConfig>[0]) => () =>
      grpcSecurity(configWith({ grpcHost: '0.0.0.0', ...overrides }), { insecure: false }, recorder());
    expect(refuse({})).toThrow(
      /^--grpc-host 0\.0\.0\.0 is reachable from other machines: .*a token.* and TLS .*fleet tls generate.*--insecure/,
    );
    expect(refuse({})).toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION' }));
    expect(refuse({ grpcToken: TOKEN })).toThrow(/needs TLS/);
    expect(refuse({ grpcTlsCert: cert, grpcTlsKey: key })).toThrow(/needs a token/);
  });

  it('serves beyond loopback with a token and TLS; with --insecure, warns every time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sec-'));
    const { cert, key } = await pair(dir);
    const log = recorder();
    const secured = grpcSecurity(
      configWith({ grpcHost: '0.0.0.0', grpcToken: TOKEN, grpcTlsCert: cert, grpcTlsKey: key }),
      { insecure: false },
      log,
    );
    expect(secured).toMatchObject({ token: TOKEN, tls: { certChain: expect.any(Buffer), privateKey: expect.any(Buffer) } });
    expect(log.lines).toEqual([]);

    expect(grpcSecurity(configWith({ grpcHost: '0.0.0.0' }), { insecure: true }, log)).toEqual({});
    expect(log.lines).toEqual([
      expect.stringMatching(/^warn INSECURE \(--insecure\): the gRPC API on 0\.0\.0\.0 is served in plaintext with no token/),
    ]);
  });

  it('checks the TLS files before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-sec-'));
    const a = await pair(dir, 'a');
    const b = await pair(dir, 'b');
    const check = (overrides: Parameters<typeof loadConfig>[0]) => () =>
      grpcSecurity(configWith(overrides), { insecure: false }, recorder());
    expect(check({ grpcTlsCert: a.cert })).toThrow(/^--grpc-tls-cert needs --grpc-tls-key too/);
    expect(check({ grpcTlsKey: a.key })).toThrow(/^--grpc-tls-key needs --grpc-tls-cert too/);
    expect(check({ grpcTlsCert: join(dir, 'missing.pem'), grpcTlsKey: a.key })).toThrow(/^--grpc-tls-cert: cannot read .*missing\.pem/);
    expect(check({ grpcTlsCert: a.key, grpcTlsKey: a.key })).toThrow(/^--grpc-tls-cert: .* is not a PEM certificate/);
    expect(check({ grpcTlsCert: a.cert, grpcTlsKey: b.key })).toThrow(/^--grpc-tls-key: .* is not the private key of the certificate/);
    expect(check({ grpcTlsCert: a.cert, grpcTlsKey: a.key })).not.toThrow();
  });
});
