/**
 * `@lidex/nestjs/mysql`: the MySQL store (MySQL 8, MariaDB 10.6+). Its own entry point because its
 * options name the driver's pool: only an app that imports this entry needs `mysql2` and its
 * types. The driver itself is loaded when the store opens.
 */
export { MysqlStore } from './stores/mysql/mysql.store';
export type { MysqlStoreOptions } from './stores/mysql/mysql.options';
