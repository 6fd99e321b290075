import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FleetError } from '../../domain/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a statement waits on another connection's lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the fleet database and brings its schema up to date.
 * Throws FleetError FAILED_PRECONDITION when the file cannot be used as it is (not a database,
 * damaged, written by a newer version, cannot be opened) and UNAVAILABLE when another process holds
 * it locked past the busy timeout (retrying later may work).
 */
export function openDatabase(filePath: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  let db: SqliteDatabase | undefined;
  try {
    ownerOnly(filePath);
    // The constructor's timeout is SQLite's busy_timeout; it must be in place before the first pragma,
    // which already takes a lock.
    db = new Database(filePath, { timeout: busyTimeoutMs });
    // WAL: readers (CLI, UI queries) never block the daemon's writes, nor the writes them.
    db.pragma('journal_mode = WAL');
    // FULL, not NORMAL: in WAL mode NORMAL survives a process crash but may drop the last committed
    // transactions on power loss or an OS crash, since the WAL is not synced at each commit. A
    // deliberation costs minutes of model time and is saved a few times per step, so a sync per commit
    // is cheap next to losing a result the user was told had been saved.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A damaged page would otherwise surface on whichever read first touches it, maybe hours later.
    checkIntegrity(db, filePath);
    migrate(db, filePath);
    return db;
  } catch (error) {
    db?.close();
    throw openError(filePath, error, busyTimeoutMs);
  }
}

/**
 * The database holds every task, proposal and critique: readable by its owner only (0600). SQLite
 * gives the -wal and -shm files the main file's mode, so the main file is created 0600 before SQLite
 * opens it; files left by an earlier version are tightened. Best effort: a file that is not ours is
 * left as it is, and opening it says what is wrong.
 */
function ownerOnly(filePath: string): void {
  try {
    closeSync(openSync(filePath, 'a', 0o600));
  } catch {
    return;
  }
  for (const file of [filePath, `${filePath}-wal`, `${filePath}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      /* absent, or not ours */
    }
  }
}

function checkIntegrity(db: SqliteDatabase, filePath: string): void {
  const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check).filter((p) => p !== 'ok');
  if (problems.length > 0) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `database ${filePath} is damaged (quick check: ${problems.join('; ')}); restore it from a backup or move it aside`,
    );
  }
}

const userVersion = (db: SqliteDatabase): number => db.pragma('user_version', { simple: true }) as number;

function migrate(db: SqliteDatabase, filePath: string): void {
  if (checkVersion(userVersion(db), filePath) === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated since the first look.
    const from = checkVersion(userVersion(db), filePath);
    for (const step of MIGRATIONS.slice(from)) db.exec(step);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function checkVersion(version: number, filePath: string): number {
  if (version > SCHEMA_VERSION) {
    throw new FleetError(
      'FAILED_PRECONDITION',
      `database ${filePath} has schema version ${version}, written by a newer SWE Fleet; this one understands up to ` +
        `version ${SCHEMA_VERSION}. Upgrade SWE Fleet or use another data directory.`,
    );
  }
  return version;
}

function openError(filePath: string, error: unknown, busyTimeoutMs: number): FleetError {
  if (error instanceof FleetError) return error;
  const code = sqliteCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const fail = (message: string, errorCode: 'FAILED_PRECONDITION' | 'UNAVAILABLE' = 'FAILED_PRECONDITION'): FleetError =>
    new FleetError(errorCode, message, { cause: error });
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return fail(`database ${filePath} is locked by another process (waited ${busyTimeoutMs} ms): ${detail}`, 'UNAVAILABLE');
  }
  if (code === 'SQLITE_NOTADB')
    return fail(`${filePath} is not a SQLite database (${detail}); move it aside or use another data directory`);
  if (code?.startsWith('SQLITE_CORRUPT'))
    return fail(`database ${filePath} is damaged (${detail}); restore it from a backup or move it aside`);
  if (code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_PERM')) return fail(`cannot write database ${filePath}: ${detail}`);
  return fail(`cannot open database ${filePath}: ${detail}`);
}

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.code;
  return undefined;
}
