import type { CouncilStore } from '../../ports/council-store.js';
import type { DeliberationStore } from '../../ports/deliberation-store.js';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';
import { createSqliteCouncilStore } from './sqlite-council-store.js';
import { createSqliteDeliberationStore, type SqliteDeliberationStoreOptions } from './sqlite-deliberation-store.js';

export interface SqliteStores {
  readonly councils: CouncilStore;
  readonly deliberations: DeliberationStore;
  /** Closes the database; the stores must not be used afterwards. Safe to call twice. */
  close(): void;
}

export type SqliteStoresOptions = OpenDatabaseOptions & SqliteDeliberationStoreOptions;

/** Both stores over one connection to `filePath` (created and migrated as needed). */
export function createSqliteStores(filePath: string, options: SqliteStoresOptions = {}): SqliteStores {
  const db = openDatabase(filePath, options);
  return {
    councils: createSqliteCouncilStore(db),
    deliberations: createSqliteDeliberationStore(db, options),
    close: () => {
      if (db.open) db.close();
    },
  };
}
