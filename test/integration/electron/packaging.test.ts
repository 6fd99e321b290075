import { extractFile, listPackage } from '@electron/asar';
import { execFile } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// electron-builder's configuration, exercised offline: Electron's binary cannot be downloaded on these
// machines, so `-c.electronDist` points at a stand-in that carries only what the packager looks for (the
// fuse wire of a real Electron 41 binary). npmRebuild is off for the same reason (rebuilding better-sqlite3
// for Electron's ABI downloads Electron's headers); a release build keeps it on.

const REPO = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's defaults, in @electron/fuses' V1 order: RunAsNode on, cookie encryption off, NODE_OPTIONS on,
// --inspect on, asar integrity off, only-from-asar off, browser V8 snapshot off, file:// privileges on.
const DEFAULT_WIRE = '10110001';
// What electron-builder.yml asks for, in the same order.
const CONFIGURED_WIRE = '11001100';

/** The fuse wire of an Electron binary: one '0'/'1' per fuse, read as @electron/fuses writes it. */
function fuseWire(binary: string): string {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  const length = bytes[at + 1] ?? 0;
  return bytes.subarray(at + 2, at + 2 + length).toString('latin1');
}

const work = mkdtempSync(path.join(tmpdir(), 'fleet-electron-builder-'));
const out = path.join(work, 'out');
const unpacked = path.join(out, 'linux-unpacked');
const resources = path.join(unpacked, 'resources');
const asar = path.join(resources, 'app.asar');
// node-llama-cpp names its prebuilt packages <os>-<arch>[-<gpu>], with electron-builder's os names.
const llamaPlatform = `linux-${process.arch}`;

let packaging: { ok: true; seconds: number } | { ok: false; reason: string } = { ok: false, reason: 'not run' };

beforeAll(async () => {
  const dist = path.join(work, 'electron-dist');
  mkdirSync(dist);
  writeFileSync(path.join(dist, 'electron'), `#!/bin/sh\n# ${FUSE_SENTINEL}\x01\x08${DEFAULT_WIRE}\nexit 0\n`, 'latin1');
  chmodSync(path.join(dist, 'electron'), 0o755);
  writeFileSync(path.join(dist, 'version'), '41.7.1');

  // Packaged from the working tree itself: from a copy with node_modules linked in, electron-builder's
  // module collector (`npm ls` in the copy) left node-llama-cpp's prebuilt packages out on a clean
  // install. A file edited while it packs can corrupt the archive: that fails this test, rerun it.
  const started = Date.now();
  try {
    await run(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', 'main/electron/tsconfig.build.json'], { cwd: REPO });
    await run(
      path.join(REPO, 'node_modules/.bin/electron-builder'),
      ['--linux', 'dir', '--publish', 'never', `-c.electronDist=${dist}`, `-c.directories.output=${out}`, '-c.npmRebuild=false'],
      { cwd: REPO, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 },
    );
    packaging = { ok: true, seconds: Math.round((Date.now() - started) / 1000) };
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    packaging = { ok: false, reason: `${message}\n${(stderr ?? '').slice(-4000)}\n${(stdout ?? '').slice(-2000)}` };
  }
  console.log(
    packaging.ok
      ? `electron-builder --linux dir, offline: ${packaging.seconds} s`
      : `electron-builder could not package offline: ${packaging.reason}`,
  );
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('electron-builder.yml, packaged offline for Linux', () => {
  it('packages at all (a failure here is electron-builder itself, offline, with its reason)', () => {
    expect(packaging).toMatchObject({ ok: true });
  });

  it('flips the fuses it configures in the Electron binary', () => {
    expect(readFileSync(path.join(REPO, 'electron-builder.yml'), 'utf8')).toMatch(/^electronFuses:$/m);
    expect(fuseWire(path.join(unpacked, 'swe-fleet'))).toBe(CONFIGURED_WIRE);
  });

  it('ships nats-server as an extra resource, executable, where main.ts tells the daemon to look', () => {
    const natsServer = path.join(resources, 'nats-server', 'nats-server');
    expect(() => accessSync(natsServer, constants.X_OK)).not.toThrow();
    expect(readFileSync(path.join(REPO, 'main/electron/main.ts'), 'utf8')).toContain(
      "path.join(process.resourcesPath, 'nats-server', natsServer)",
    );
  });

  it('starts the compiled shell, with its preload, and carries the daemon but no tests or shell sources', () => {
    const files = new Set(listPackage(asar, { isPack: false }).map((f) => f.split(path.sep).join('/')));
    const manifest = JSON.parse(extractFile(asar, 'package.json').toString()) as { main: string; type: string };
    expect(manifest).toMatchObject({ main: 'dist/electron/main.js', type: 'module' });
    for (const file of [
      '/dist/electron/main.js',
      '/dist/electron/preload.cjs',
      '/bin/fleet.js',
      '/main/cli/fleet.ts',
      '/core/app',
      '/proto/gen',
    ]) {
      expect(files).toContain(file);
    }
    expect([...files].filter((f) => /^\/(test|docs|vendor|main\/electron|proto\/fleet)\b/.test(f))).toEqual([]);
  });

  it('unpacks the native modules from the asar: better-sqlite3 and this platform’s llama.cpp', () => {
    const modules = path.join(resources, 'app.asar.unpacked', 'node_modules');
    expect(existsSync(path.join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    const bins = path.join(modules, '@node-llama-cpp', llamaPlatform, 'bins', llamaPlatform);
    expect(readdirSync(bins).filter((f) => f.endsWith('.node'))).not.toEqual([]);
  });

  it('leaves out other platforms’ llama.cpp binaries', () => {
    const ofPlatform = (name: string) => name === llamaPlatform || name.startsWith(`${llamaPlatform}-`);
    const inAsar = listPackage(asar, { isPack: false })
      .map((f) => f.split(path.sep).join('/'))
      .map((f) => /^\/node_modules\/@node-llama-cpp\/([^/]+)$/.exec(f)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(inAsar).toContain(llamaPlatform);
    expect(inAsar.filter((name) => !ofPlatform(name))).toEqual([]);
    // This checkout has other platforms' packages installed, so leaving them out is the configuration's doing.
    expect(readdirSync(path.join(REPO, 'node_modules/@node-llama-cpp')).filter((name) => !ofPlatform(name))).not.toEqual([]);
  });
});
