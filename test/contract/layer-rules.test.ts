import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The layer rules (.dependency-cruiser.cjs) hold against each kind of shortcut the architecture
// forbids: they are planted one file each in a copy of the tree, and every one must be named.

const REPO = path.resolve(import.meta.dirname, '../..');

const PLANTED: Record<string, { readonly file: string; readonly source: string }> = {
  'domain imports generated code': {
    file: 'core/domain/planted-gen.ts',
    source: "export { DeliberateRequest } from '../../proto/gen/fleet/orchestrator/v1/orchestrator.js';",
  },
  'domain imports test code': {
    file: 'core/domain/planted-test.ts',
    source: "export { memoryStores } from '../../test/support/memory-stores.js';",
  },
  'domain imports a Node built-in': { file: 'core/domain/planted-node.ts', source: "export { readFileSync } from 'node:fs';" },
  'ports import a Node built-in': { file: 'core/ports/planted-node.ts', source: "export { EventEmitter } from 'node:events';" },
  'app imports an adapter': {
    file: 'core/app/planted-adapter.ts',
    source: "export { createSqliteStores } from '../adapters/sqlite/index.js';",
  },
  'app imports an npm package other than zod': { file: 'core/app/planted-npm.ts', source: "export { Command } from 'commander';" },
  'an adapter imports main/': {
    file: 'core/adapters/sqlite/planted-main.ts',
    source: "export { FLEET_VERSION } from '../../../main/version.js';",
  },
  "an adapter imports another adapter's file": {
    file: 'core/adapters/grpc/planted-adapter.ts',
    source: "export { createSqliteStores } from '../sqlite/sqlite-stores.js';",
  },
  "an adapter imports another adapter's library": {
    file: 'core/adapters/grpc/planted-lib.ts',
    source: "export { default } from 'better-sqlite3';",
  },
  'a new folder imports an adapter': {
    file: 'core/newthing/planted.ts',
    source: "export { createSqliteStores } from '../adapters/sqlite/index.js';",
  },
  'a new folder with no imports at all': { file: 'core/newthing/planted-orphan.ts', source: 'export const orphan = 1;' },
  'a command wires core/app itself': {
    file: 'main/cli/planted.ts',
    source: "export { createFleet } from '../../core/app/fleet.js';",
  },
  'the composition root skips an adapter entry': {
    file: 'main/planted-compose.ts',
    source: "export { createSqliteStores } from '../core/adapters/sqlite/sqlite-stores.js';",
  },
  'a renderer imports a Node built-in': { file: 'renderer/planted.ts', source: "export { readFileSync } from 'node:fs';" },
  'a renderer imports an adapter': {
    file: 'renderer/src/planted-adapter.ts',
    source: "export { startUiServer } from '../../core/adapters/connect/index.js';",
  },
  "a renderer imports the daemon's Node-only generated code": {
    file: 'renderer/src/planted-gen.ts',
    source: "export { DeliberateRequest } from '../../proto/gen/fleet/orchestrator/v1/orchestrator.js';",
  },
  'the desktop shell imports the core': {
    file: 'main/electron/planted.ts',
    source: "export { FleetError } from '../../core/domain/errors.js';",
  },
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The files depcruise names as breaking a rule, in a tree rooted at `root`. */
function violators(root: string, scan: readonly string[]): Set<string> {
  let out: string;
  try {
    out = execFileSync(
      path.join(REPO, 'node_modules/.bin/depcruise'),
      [...scan, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    // depcruise exits non-zero when it finds violations; its report is still on stdout.
    out = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as { summary: { violations: { from: string }[] } };
  return new Set(report.summary.violations.map((v) => v.from));
}

describe('the layer rules', () => {
  it('name every planted shortcut, and only those', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'fleet-layers-'));
    dirs.push(copy);
    for (const entry of ['core', 'main', 'proto', 'renderer', 'test', 'tsconfig.json', '.dependency-cruiser.cjs', 'package.json']) {
      cpSync(path.join(REPO, entry), path.join(copy, entry), { recursive: true, filter: (from) => !from.includes(`${path.sep}dist`) });
    }
    symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'));
    for (const { file, source } of Object.values(PLANTED)) {
      mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      writeFileSync(path.join(copy, file), `${source}\n`);
    }

    const before = violators(REPO, ['core', 'main', 'renderer']);
    const after = violators(copy, ['core', 'main', 'renderer']);
    const caught = Object.entries(PLANTED).filter(([, { file }]) => after.has(file));
    console.log(`layer rules: ${caught.length} of ${Object.keys(PLANTED).length} planted shortcuts caught`);
    expect(Object.fromEntries(Object.entries(PLANTED).map(([kind, { file }]) => [kind, after.has(file)]))).toEqual(
      Object.fromEntries(Object.keys(PLANTED).map((kind) => [kind, true])),
    );
    // Nothing else changed: the same files break rules as in the tree itself.
    const planted = new Set(Object.values(PLANTED).map((p) => p.file));
    expect([...after].filter((f) => !planted.has(f)).sort()).toEqual([...before].sort());
  });
});
