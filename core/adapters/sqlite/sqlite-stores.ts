import type { FleetError } from '../../domain/errors.js';
import type { ContextCache } from '../../ports/context-cache.js';
import type { CouncilStore } from '../../ports/council-store.js';
import type { DeliberationStore } from '../../ports/deliberation-store.js';
import type { PlanningStore } from '../../ports/planning-store.js';
import { answered } from './disk-full.js';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';
import { createSqliteContextCache } from './sqlite-context-cache.js';
import { createSqliteCouncilStore } from './sqlite-council-store.js';
import { createSqliteDeliberationStore, type SqliteDeliberationStoreOptions } from './sqlite-deliberation-store.js';
import { createSqlitePlanningStore } from './sqlite-planning-store.js';

export interface SqliteStores {
  readonly councils: CouncilStore;
  readonly deliberations: DeliberationStore;
  readonly planning: PlanningStore;
  readonly contextCache: ContextCache;
  /** Closes the database; the stores must not be used afterwards. Safe to call twice. */
  close(): void;
}

export type SqliteStoresOptions = OpenDatabaseOptions &
  SqliteDeliberationStoreOptions & {
    /** Told of each write that found the disk full, which the stores also throw as RESOURCE_EXHAUSTED. */
    readonly onDiskFull?: (error: FleetError) => void;
  };

/** Both stores over one connection to `filePath` (created and migrated as needed). */
export function createSqliteStores(filePath: string, options: SqliteStoresOptions = {}): SqliteStores {
  const db = openDatabase(filePath, options);
  return {
    councils: answered<CouncilStore>(createSqliteCouncilStore(db), filePath, options.onDiskFull),
    deliberations: answered<DeliberationStore>(createSqliteDeliberationStore(db, options), filePath, options.onDiskFull),
    planning: answered<PlanningStore>(createSqlitePlanningStore(db), filePath, options.onDiskFull),
    contextCache: answered<ContextCache>(createSqliteContextCache(db), filePath, options.onDiskFull),
    close: () => {
      if (db.open) db.close();
    },
  };
}
