// The SQLite adapter's public entry: what the composition root needs. Tests may reach further in.
export { createSqliteStores, type SqliteStores, type SqliteStoresOptions } from './sqlite-stores.js';
export { type DataFolderLock, type FolderOwner, lockDataFolder, readOwner } from './data-folder-lock.js';
