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

  it('names the config file and the key at fault', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ grpcPort: 'a' }));
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(`${join(dir, 'config.json')}: grpcPort: expected number`);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    expect(() => loadConfig({ dataDir: dir }, {})).toThrow(/config.json: not valid JSON/);
  });
});
