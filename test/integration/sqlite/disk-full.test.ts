import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createSqliteStores } from '../../../core/adapters/sqlite/sqlite-stores.js';
import { FleetError } from '../../../core/domain/errors.js';
import { mountTmpfs, type Tmpfs, tmpfsUnavailable } from '../../support/tmpfs.js';
import { completedDeliberation, councilFixture, inProgressDeliberation, turnFixture } from './deliberation-fixture.js';

// The stores on a real 4 MiB tmpfs filled to the last byte: SQLite's SQLITE_FULL comes back as
// RESOURCE_EXHAUSTED naming the file, told to the owner too, and the connection works again once
// there is room.

const cannotMount = tmpfsUnavailable();
if (cannotMount !== undefined) console.warn(`SQLite disk-full tests skipped: ${cannotMount}`);

describe.skipIf(cannotMount !== undefined)('SQLite stores on a full disk', () => {
  let fs: Tmpfs | undefined;
  afterEach(() => fs?.unmount());

  it('refuse writes with RESOURCE_EXHAUSTED "disk full: <file>", say so to onDiskFull, and write again once there is room', async () => {
    fs = mountTmpfs(4);
    const file = join(fs.dir, 'fleet.db');
    const told: FleetError[] = [];
    const stores = createSqliteStores(file, { onDiskFull: (e) => told.push(e) });
    try {
      await stores.councils.save(councilFixture('dev-1', 'DEV'));
      await stores.deliberations.save(inProgressDeliberation('t-1'));
      const filler = fs.fill();

      // Big enough that neither the WAL nor the file's free pages can take it.
      const big = { ...turnFixture('t-1', 1), raw: 'x'.repeat(2 * 1024 * 1024) };
      const error = await stores.deliberations.appendTurn(big).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FleetError);
      expect((error as FleetError).code).toBe('RESOURCE_EXHAUSTED');
      expect((error as FleetError).message).toMatch(new RegExp(`^disk full: ${file} \\(database or disk is full\\)$`));
      expect(told.map((e) => e.code)).toEqual(['RESOURCE_EXHAUSTED']);
      // Reads still work while full.
      expect((await stores.deliberations.get('t-1'))?.status).toBe('IN_PROGRESS');

      rmSync(filler);
      await stores.deliberations.save(completedDeliberation('t-1'));
      expect((await stores.deliberations.get('t-1'))?.status).toBe('COMPLETED');
      expect((await stores.councils.get('dev-1'))?.role).toBe('DEV');
    } finally {
      stores.close();
    }
  });
});
