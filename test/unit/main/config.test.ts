import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../main/config.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'fleet-config-'));

describe('configuration: defaults ← config file ← environment ← flags', () => {
  it('layers the sources, later ones winning', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: 'from-file.gguf', grpcPort: 6000, threads: 2 }));
    const config = loadConfig({ dataDir: dir, threads: 4 }, { FLEET_GRPC_PORT: '7000' });
    expect(config).toMatchObject({ dataDir: dir, model: 'from-file.gguf', grpcPort: 7000, threads: 4, grpcHost: '127.0.0.1' });
  });

  it.each([
    [{ FLEET_THREADS: 'abc' }, {}, /^FLEET_THREADS: expected number/],
    [{ FLEET_GRPC_PORT: '99999' }, {}, /^FLEET_GRPC_PORT: expected number to be <=65535, got "99999"/],
    [{}, { natsUrl: 'http://x' }, /^--nats-url: expected a nats:\/\/ URL/],
  ])('names the variable or flag at fault', (env, flags, message) => {
    expect(() => loadConfig({ dataDir: dataDir(), ...flags }, env)).toThrow(message);
  });

  it('sizes the embedded NATS store for a workstation, from the file, the environment or a flag', () => {
    const dir = dataDir();
    expect(loadConfig({ dataDir: dir }, {})).toMatchObject({ natsStoreMb: 96, natsMaxAgeHours: 24 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ natsStoreMb: 48, natsMaxAgeHours: 6 }));
    expect(loadConfig({ dataDir: dir }, {})).toMatchObject({ natsStoreMb: 48, natsMaxAgeHours: 6 });
    expect(loadConfig({ dataDir: dir }, { FLEET_NATS_STORE_MB: '32', FLEET_NATS_MAX_AGE_HOURS: '2' })).toMatchObject({
      natsStoreMb: 32,
      natsMaxAgeHours: 2,
    });
    expect(loadConfig({ dataDir: dir, natsStoreMb: 12 }, { FLEET_NATS_STORE_MB: '32' }).natsStoreMb).toBe(12);
    expect(() => loadConfig({ dataDir: dir }, { FLEET_NATS_STORE_MB: '3' })).toThrow(/^FLEET_NATS_STORE_MB: expected number to be >=6/);
  });

  it('takes the gRPC token and TLS files from the environment, and never quotes a secret back', () => {
    const env = { FLEET_GRPC_TOKEN: 'a'.repeat(32), FLEET_GRPC_TLS_CERT: '/etc/fleet/cert.pem', FLEET_GRPC_TLS_KEY: '/etc/fleet/key.pem' };
    expect(loadConfig({ dataDir: dataDir() }, env)).toMatchObject({
      grpcToken: 'a'.repeat(32),
      grpcTlsCert: '/etc/fleet/cert.pem',
      grpcTlsKey: '/etc/fleet/key.pem',
    });
    const short = () => loadConfig({ dataDir: dataDir() }, { FLEET_GRPC_TOKEN: 'hunter2' });
    expect(short).toThrow(/^FLEET_GRPC_TOKEN: expected a token of at least 16 characters$/);
    expect(() => loadConfig({ dataDir: dataDir(), grpcToken: 'with a space in it' }, {})).toThrow(
      /^--grpc-token: expected a token of printable ASCII/,
    );
  });

  it('allows plain http:// model downloads only from a flag or the config file', () => {
    expect(loadConfig({ dataDir: dataDir() }, { FLEET_ALLOW_INSECURE_DOWNLOAD: '1' }).allowInsecureDownload).toBeUndefined();
    const dir = dataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ allowInsecureDownload: true }));
    expect(loadConfig({ dataDir: dir }, {}).allowInsecureDownload).toBe(true);
  });

  it('names the config file and the key at fault', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ grpcPort: 'a' }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(`${join(dir, 'config.json')}: grpcPort: expected number`);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/config.json: not valid JSON/);
  });
});
