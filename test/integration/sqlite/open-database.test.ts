import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/adapters/sqlite/open-database.js';
import { SCHEMA_VERSION } from '../../../core/adapters/sqlite/migrations.js';
import { FleetError } from '../../../core/domain/errors.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

function openError(filePath: string, busyTimeoutMs?: number): FleetError {
  try {
    openDatabase(filePath, busyTimeoutMs === undefined ? {} : { busyTimeoutMs }).close();
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return error as FleetError;
  }
  throw new Error(`expected opening ${filePath} to fail`);
}

describe('openDatabase', () => {
  it('creates the schema in WAL mode with full sync and foreign keys', async () => {
    const db = openDatabase(join(dir(), 'fleet.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const tables = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'approved_plans',
        'context_cache',
        'context_generations',
        'council_agents',
        'councils',
        'deliberation_attempts',
        'deliberations',
        'epics',
        'plan_tasks',
        'projects',
        'stories',
        'task_dependencies',
        'turns',
      ]);
    } finally {
      db.close();
    }
  });

  it('reopens an up-to-date database without running migrations again', async () => {
    const file = join(dir(), 'fleet.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO councils VALUES ('c1', 'DEV', 'm', 1, 1, 0)").run();
    first.close();
    const second = openDatabase(file);
    expect(second.prepare('SELECT count(*) FROM councils').pluck().get()).toBe(1);
    second.close();
  });

  it('refuses a file that is not a database, naming it', async () => {
    const file = join(dir(), 'notes.db');
    writeFileSync(file, 'These are my notes, not a database. '.repeat(40));
    const error = openError(file);
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a SQLite database/);
  });

  it('finds a damaged page at open, not on the read that happens to touch it', async () => {
    const file = join(dir(), 'damaged.db');
    const db = openDatabase(file);
    const insert = db.prepare("INSERT INTO councils VALUES (?, 'DEV', 'm', 1, 1, 0)");
    for (let i = 0; i < 500; i++) insert.run(`council-${i}-${'x'.repeat(100)}`);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    // Scribble over the header of a page in the middle of the councils table.
    const bytes = readFileSync(file);
    bytes.fill(0xff, Math.floor(pages / 2) * pageSize, Math.floor(pages / 2) * pageSize + 16);
    writeFileSync(file, bytes);
    const error = openError(file);
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/is damaged/);
  });

  it('refuses a database written by a newer schema version', async () => {
    const file = join(dir(), 'future.db');
    const future = new Database(file);
    future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    future.close();
    const error = openError(file);
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).toMatch(/newer SWE Fleet/);
  });

  it('reports a database another process holds locked as UNAVAILABLE', async () => {
    const file = join(dir(), 'locked.db');
    openDatabase(file).close();
    const holder = new Database(file);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec("BEGIN EXCLUSIVE; INSERT INTO councils VALUES ('c1', 'DEV', 'm', 1, 1, 0); COMMIT;");
    try {
      const started = Date.now();
      const error = openError(file, 150);
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(/locked by another process \(waited 150 ms\)/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    } finally {
      holder.close();
    }
    openDatabase(file).close(); // usable again once released
  });

  it('reports a missing directory clearly', async () => {
    const file = join(dir(), 'no', 'such', 'dir', 'fleet.db');
    const error = openError(file);
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toContain(file);
  });
});
