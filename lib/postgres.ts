/**
 * `@lidex/nestjs/postgres`: the PostgreSQL store. Its own entry point because its options name the
 * driver's `Pool`: only an app that imports this entry needs `pg` and its types. The driver itself
 * is loaded when the store opens.
 */
export { PostgresStore } from './stores/postgres/postgres.store';
export type { PostgresStoreOptions } from './stores/postgres/postgres.options';
