import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FleetError } from '../../domain/errors.js';

/** Who holds a data folder, as the holder wrote it down for whoever is refused. */
export interface FolderOwner {
  readonly pid: number;
  /** What owns it: `fleet serve`, `fleet deliberate`, ... */
  readonly command: string;
  readonly startedAt: string;
  /** Where the owner serves gRPC, when it does. */
  readonly grpcPort?: number;
  /** The desktop UI's address with its launch token (the file is the owner's alone). */
  readonly uiUrl?: string;
}

export interface DataFolderLock {
  /** Adds what the holder learned after taking the lock (its gRPC port), for whoever is refused. */
  describe(owner: Partial<FolderOwner>): void;
  /** Lets go of the folder. Safe to call twice. */
  release(): void;
}

const LOCK_FILE = 'owner.lock';
const OWNER_FILE = 'owner.json';

/**
 * Takes the data folder for this process: an exclusive SQLite lock on `owner.lock`, which is an OS
 * file lock held for as long as the connection is open and dropped by the kernel if the process dies,
 * so a crash never leaves the folder claimed. Throws FAILED_PRECONDITION naming the folder and its
 * owner when another process holds it.
 */
export function lockDataFolder(dataDir: string, owner: FolderOwner): DataFolderLock {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in EXCLUSIVE mode it is kept until close.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (taken_at TEXT); INSERT INTO owner VALUES (CURRENT_TIMESTAMP); COMMIT;');
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED')) {
      throw new FleetError(
        'FAILED_PRECONDITION',
        `the data folder ${dataDir} is in use by ${describeOwner(readOwner(dataDir))}: stop it, work through it, or use another --data-dir`,
        {
          field: 'data_dir',
          cause: error,
        },
      );
    }
    throw new FleetError('FAILED_PRECONDITION', `cannot take the data folder ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  let current = owner;
  const write = (): void => writeFileSync(join(dataDir, OWNER_FILE), `${JSON.stringify(current)}\n`, { mode: 0o600 });
  write();
  return {
    describe(more) {
      current = { ...current, ...more };
      write();
    },
    release() {
      if (db.open) db.close();
    },
  };
}

/** Who wrote the folder's owner file last; it may have ended since (check its pid). */
export function readOwner(dataDir: string): FolderOwner | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as FolderOwner;
  } catch {
    return undefined;
  }
}

function describeOwner(owner: FolderOwner | undefined): string {
  if (owner === undefined) return 'another process';
  const where = owner.grpcPort === undefined ? '' : `, serving gRPC on port ${owner.grpcPort}`;
  return `${owner.command} (pid ${owner.pid}, since ${owner.startedAt}${where})`;
}
