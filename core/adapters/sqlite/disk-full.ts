import Database from 'better-sqlite3';
import { FleetError } from '../../domain/errors.js';

/** RESOURCE_EXHAUSTED for a write that found no room (SQLITE_FULL: the disk, or a quota, is full). */
export function diskFullError(filePath: string, error: unknown): FleetError | undefined {
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_FULL') return undefined;
  return new FleetError('RESOURCE_EXHAUSTED', `disk full: ${filePath} (${error.message})`, { cause: error });
}

/**
 * `store` with each method's SQLITE_FULL thrown as RESOURCE_EXHAUSTED "disk full: <file>", and told
 * to `onDiskFull` as well, so that the owner can stop taking work until the disk has room again.
 * SQLite rolls the failed statement back and the connection stays usable.
 */
export function reportingDiskFull<T extends object>(store: T, filePath: string, onDiskFull?: (error: FleetError) => void): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(store)) {
    if (typeof member !== 'function') {
      guarded[name] = member;
      continue;
    }
    const method = member as (...args: unknown[]) => unknown;
    guarded[name] = (...args: unknown[]): unknown => {
      try {
        return method(...args);
      } catch (e) {
        const full = diskFullError(filePath, e);
        if (full === undefined) throw e;
        onDiskFull?.(full);
        throw full;
      }
    };
  }
  return guarded as T;
}
