import Database from 'better-sqlite3';
import { FleetError } from '../../domain/errors.js';

/** RESOURCE_EXHAUSTED for a write that found no room (SQLITE_FULL: the disk, or a quota, is full). */
export function diskFullError(filePath: string, error: unknown): FleetError | undefined {
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_FULL') return undefined;
  return new FleetError('RESOURCE_EXHAUSTED', `disk full: ${filePath} (${error.message})`, { cause: error });
}

/** A port whose methods resolve, as SQLite answers it: at once. `answered` makes the port of it. */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

/**
 * The asynchronous port over a store SQLite answers at once, each method's SQLITE_FULL rejected as
 * RESOURCE_EXHAUSTED "disk full: <file>" and told to `onDiskFull` as well, so that the owner can stop
 * taking work until the disk has room again. SQLite rolls the failed statement back and the
 * connection stays usable.
 */
export function answered<T extends object>(store: Synchronous<T>, filePath: string, onDiskFull?: (error: FleetError) => void): T {
  const port: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(store)) {
    if (typeof member !== 'function') {
      port[name] = member;
      continue;
    }
    const method = member as (...args: unknown[]) => unknown;
    port[name] = (...args: unknown[]): Promise<unknown> => {
      try {
        return Promise.resolve(method(...args));
      } catch (e) {
        const full = diskFullError(filePath, e);
        if (full !== undefined) onDiskFull?.(full);
        return Promise.reject(full ?? (e instanceof Error ? e : new Error(String(e))));
      }
    };
  }
  return port as T;
}
