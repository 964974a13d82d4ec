import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import {
  type MysqlQuery,
  type MysqlSource,
  poolSource,
  promisePool,
  toResult,
  wholeMs,
} from './mysql.connection';
import { MYSQL_DEFAULTS, type MysqlStoreOptions } from './mysql.options';
import { retrying } from './mysql.retry';
import { drizzleTransaction } from './orm/drizzle';
import { kyselySource, kyselyTransaction } from './orm/kysely';
import { prismaSource, prismaTransaction } from './orm/prisma';
import { sequelizeSource, sequelizeTransaction } from './orm/sequelize';

type Mysql2 = typeof import('mysql2/promise');

/** What the store was built from, in words for `describe()`. */
export function sourceName(options: MysqlStoreOptions): string {
  if (options.pool) return 'a shared mysql2 pool';
  if (options.typeorm) return "TypeORM's DataSource";
  if (options.drizzle) return "Drizzle's database";
  if (options.kysely) return 'Kysely';
  if (options.sequelize) return 'Sequelize';
  if (options.prisma) return "Prisma's mariadb pool";
  return 'a connection string';
}

/** The app's pool, from `pool`, TypeORM's driver or Drizzle's client. */
function sharedPool(options: MysqlStoreOptions) {
  if (options.pool) return promisePool(options.pool);
  if (options.typeorm) {
    if (!options.typeorm.isInitialized) {
      throw new InvalidOptionsError(
        'MysqlStore typeorm',
        'a DataSource not initialized',
        'a DataSource initialized before the store opens (await dataSource.initialize())',
      );
    }
    const found = promisePool(
      (options.typeorm.driver as { pool?: unknown }).pool,
    );
    if (!found) {
      throw new InvalidOptionsError(
        'MysqlStore typeorm',
        options.typeorm.options.type,
        'a DataSource of type "mysql" or "mariadb" on the mysql2 driver, without replication',
      );
    }
    return found;
  }
  if (options.drizzle) {
    const found = promisePool(options.drizzle.$client);
    if (!found) {
      throw new InvalidOptionsError(
        'MysqlStore drizzle',
        options.drizzle.$client,
        'a Drizzle database from "drizzle-orm/mysql2" over a pool: drizzle({ client: createPool(...) })',
      );
    }
    return found;
  }
  return undefined;
}

/**
 * Opens the pool (from `url`) or takes the app's, through the ORM the options name. The store's
 * own statements are retried after a deadlock or a lock wait timeout.
 */
export function openSource(
  options: MysqlStoreOptions,
  /** The driver, loaded by the store for every source but Prisma's pool. */
  mysql: Mysql2 | undefined,
  onIdleError: (error: Error) => void,
): MysqlSource {
  if (options.kysely) {
    const source = kyselySource(options.kysely);
    return { ...source, query: retrying(source.query) };
  }
  if (options.sequelize) {
    const source = sequelizeSource(options.sequelize);
    return { ...source, query: retrying(source.query) };
  }
  if (options.prisma && options.mariadbPool) {
    const source = prismaSource(options.mariadbPool);
    return { ...source, query: retrying(source.query) };
  }
  const shared = sharedPool(options);
  const pool =
    shared ??
    mysql!.createPool({
      uri: options.url,
      connectionLimit: options.poolSize ?? MYSQL_DEFAULTS.poolSize,
      connectTimeout:
        options.connectTimeoutMs ?? MYSQL_DEFAULTS.connectTimeoutMs,
      charset: 'utf8mb4',
      enableKeepAlive: true,
    });
  if (!shared) {
    // An idle connection the server dropped: the pool opens another when one is needed.
    (pool as unknown as { pool: NodeJS.EventEmitter }).pool.on(
      'connection',
      (connection: NodeJS.EventEmitter) =>
        connection.on('error', (error: Error) => onIdleError(error)),
    );
  }
  const source = poolSource(pool, !shared);
  return { ...source, query: retrying(source.query) };
}

interface QueryableLike {
  query(sql: string, values?: unknown[]): unknown;
}

/**
 * The app's transaction as a query: a `mysql2` connection (promise or callback API) in a
 * transaction, TypeORM's `EntityManager` or `QueryRunner` of `dataSource.transaction(...)`,
 * Kysely's `Transaction`, Drizzle's `tx`, a Sequelize transaction or the `tx` of Prisma's
 * interactive `$transaction()`. Not retried: a deadlock there rolls back the app's transaction.
 */
export function transactionQuery(
  transaction: unknown,
  store: string,
): MysqlQuery {
  if (typeof transaction === 'object' && transaction !== null) {
    const orm =
      kyselyTransaction(transaction) ??
      drizzleTransaction(transaction) ??
      sequelizeTransaction(transaction) ??
      prismaTransaction(transaction);
    if (orm) return orm;
    const candidate = transaction as QueryableLike & {
      promise?: () => QueryableLike;
    };
    // TypeORM: an EntityManager (has `connection`, and `queryRunner` in a transaction) or a
    // QueryRunner (has `manager`); both answer query(sql, values) with the driver's raw result.
    if ('queryRunner' in candidate || 'manager' in candidate) {
      return async (sql, values = []) =>
        toResult(await candidate.query(sql, values.map(wholeMs)));
    }
    // mysql2: a promise connection answers [result, fields]; a callback one has promise().
    const promised =
      typeof candidate.promise === 'function' ? candidate.promise() : candidate;
    if (typeof promised.query === 'function') {
      return async (sql, values = []) => {
        const answer = (await promised.query(
          sql,
          values.map(wholeMs),
        )) as unknown[];
        return toResult(answer[0]);
      };
    }
  }
  throw new InvalidArgumentError(
    messages.mysqlNotATransaction(
      store,
      transaction,
      "a mysql2 connection in a transaction, TypeORM's EntityManager of dataSource.transaction(), a Kysely Transaction, Drizzle's tx, a Sequelize transaction or Prisma's tx of an interactive $transaction()",
    ),
  );
}
