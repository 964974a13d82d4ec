/**
 * `@lidex/nestjs/sqlite`: the embedded SQLite store. Its own entry point, so that the root entry
 * names no driver and an app on another store never needs `better-sqlite3` or its types.
 * The driver itself is loaded when the store opens.
 */
export { SqliteStore } from './stores/sqlite/sqlite.store';
export type { SqliteStoreOptions } from './stores/sqlite/sqlite.options';
