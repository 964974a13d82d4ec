import type { Pool } from 'mysql2/promise';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import type { KyselyLike } from './orm/kysely';
import {
  isMariadbPool,
  isPrismaClient,
  type MariadbPoolLike,
  type PrismaClientLike,
} from './orm/prisma';
import type { SequelizeLike } from './orm/sequelize';
import {
  checkBooleans,
  checkName,
  checkOneSource,
  checkOptionKeys,
  checkPositiveIntegers,
  checkShapes,
  checkUrl,
  redactUrl as redactSqlUrl,
} from '../sql-options';

/**
 * Options of the MySQL store (MySQL 8 and MariaDB 10.6 or later): give one of `url`, `pool`, or
 * the app's ORM (`typeorm`, `drizzle`, `kysely`, `sequelize`, `prisma`), whose connections the store's statements then
 * share. Its tables live in the connection's database, under `tablePrefix`.
 */
export interface MysqlStoreOptions {
  /** A connection string (`mysql://user:password@host:3306/db`); the store opens its own pool. */
  url?: string;
  /**
   * An existing `mysql2` pool (`mysql2/promise`'s `createPool`, or the callback API's): the store
   * runs its statements through it and never ends it.
   */
  pool?: Pool | { promise(): Pool };
  /**
   * The app's TypeORM `DataSource` (type `mysql` or `mariadb`, on `mysql2`), initialized before
   * the store opens: the store runs on its pool and never destroys it.
   */
  typeorm?: {
    options: { type: string };
    isInitialized: boolean;
    driver: object;
  };
  /** The app's Drizzle database on mysql2 (`drizzle({ client: pool })` from `drizzle-orm/mysql2`). */
  drizzle?: { $client: unknown };
  /** The app's `Kysely` on `MysqlDialect`: the store's statements run through it. */
  kysely?: KyselyLike;
  /**
   * The app's `Sequelize` on the `mysql` dialect (mysql2): the store's statements take its pool's
   * connections, and it never closes it.
   */
  sequelize?: SequelizeLike;
  /**
   * The app's Prisma 7 client on `@prisma/adapter-mariadb`, given with `mariadbPool`: `start()`
   * joins the `tx` of its interactive `$transaction()`.
   */
  prisma?: PrismaClientLike;
  /**
   * With `prisma`: the `mariadb` pool its adapter runs on (`new PrismaMariaDb(pool)`). The
   * store's own statements run on it (Prisma's raw queries cannot read their result sets); it
   * never ends it.
   */
  mariadbPool?: MariadbPoolLike;
  /**
   * What the names of Lidex's tables and procedures start with, in the connection's database.
   * Lower-case letters, digits and `_`, at most 24.
   * @default 'lidex_'
   */
  tablePrefix?: string;
  /**
   * Create and upgrade the tables at start, under a lock (`GET_LOCK`, safe with many instances
   * starting at once). `false` for teams whose migrations run elsewhere: apply
   * `MysqlStore.migrationSql({ tablePrefix })` with your migration tool; start-up then only
   * checks that the schema is current.
   * @default true
   */
  migrate?: boolean;
  /**
   * Connections of the pool the store opens from `url` (ignored otherwise).
   * @default 10
   */
  poolSize?: number;
  /**
   * How long opening a connection may take before it fails (the pool opened from `url`). Not
   * how long a statement may wait for a free connection of the pool: a burst larger than the
   * pool waits its turn.
   * @default 5000
   */
  connectTimeoutMs?: number;
}

export const MYSQL_DEFAULTS = {
  tablePrefix: 'lidex_',
  migrate: true,
  poolSize: 10,
  connectTimeoutMs: 5000,
} as const;

const SOURCES = [
  'url',
  'pool',
  'typeorm',
  'drizzle',
  'kysely',
  'sequelize',
  'prisma',
] as const satisfies readonly (keyof MysqlStoreOptions)[];

const KNOWN_KEYS = [
  ...SOURCES,
  'mariadbPool',
  'tablePrefix',
  'migrate',
  'poolSize',
  'connectTimeoutMs',
] as const satisfies readonly (keyof MysqlStoreOptions)[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const STORE = 'MysqlStore';
const URL_FALLBACK = 'a MySQL connection string';

/** Checks the options, throwing the error that names the option and the fix. */
export function checkMysqlOptions(options: MysqlStoreOptions): void {
  checkOptionKeys(STORE, options, KNOWN_KEYS);
  checkPrisma(options);
  checkOneSource(
    STORE,
    options,
    SOURCES,
    'exactly one of `url` (a connection string), `pool` (an existing mysql2 pool), or your ORM: ' +
      '`typeorm` (a DataSource), `drizzle` (a mysql2 database), `kysely`, `sequelize` or `prisma` ' +
      '(with `mariadbPool`)',
  );
  checkUrl(
    STORE,
    'url',
    options.url,
    ['mysql:', 'mariadb:'],
    'a connection string such as mysql://user:password@db.internal:3306/orders',
    URL_FALLBACK,
  );
  checkShapes(STORE, options, [
    [
      'pool',
      isObject(options.pool) &&
        (typeof (options.pool as { query?: unknown }).query === 'function' ||
          typeof (options.pool as { promise?: unknown }).promise ===
            'function'),
      'a mysql2 pool (createPool({ uri }) from "mysql2/promise")',
    ],
    [
      'typeorm',
      isObject(options.typeorm) && 'driver' in options.typeorm,
      'a TypeORM DataSource (new DataSource({ type: "mysql", ... }))',
    ],
    [
      'drizzle',
      isObject(options.drizzle) && '$client' in options.drizzle,
      'a Drizzle database from "drizzle-orm/mysql2" (drizzle({ client: pool }))',
    ],
    [
      'kysely',
      typeof options.kysely?.executeQuery === 'function' &&
        typeof options.kysely?.connection === 'function',
      'a Kysely instance (new Kysely({ dialect: new MysqlDialect({ pool }) }))',
    ],
    [
      'sequelize',
      typeof options.sequelize?.getDialect === 'function' &&
        options.sequelize.getDialect() === 'mysql' &&
        typeof options.sequelize.connectionManager?.getConnection ===
          'function',
      'a Sequelize instance on the "mysql" dialect (new Sequelize(url, { dialect: "mysql" }))',
    ],
  ]);
  checkName(
    STORE,
    'tablePrefix',
    options.tablePrefix,
    /^[a-z_][a-z0-9_]{0,23}$/,
    "a prefix of lower-case letters, digits and '_' (at most 24, not starting with a digit), such as 'lidex_'",
  );
  checkBooleans(STORE, options, ['migrate']);
  checkPositiveIntegers(STORE, options, ['poolSize', 'connectTimeoutMs']);
}

/** `prisma` needs `mariadbPool` (and only it does): Prisma hands out no connection. */
function checkPrisma(options: MysqlStoreOptions): void {
  if (options.prisma !== undefined && !isPrismaClient(options.prisma)) {
    throw new InvalidOptionsError(
      'MysqlStore prisma',
      options.prisma,
      messages.mysqlPrismaFix(),
    );
  }
  if (options.prisma !== undefined && options.mariadbPool === undefined) {
    throw new InvalidOptionsError(
      'MysqlStore mariadbPool',
      undefined,
      messages.mysqlPrismaFix(),
    );
  }
  if (options.mariadbPool !== undefined && options.prisma === undefined) {
    throw new InvalidOptionsError(
      'MysqlStore mariadbPool',
      'a mariadbPool without prisma',
      'given with `prisma` only (the PrismaClient whose PrismaMariaDb adapter runs on it); ' +
        'for a pool of your own, give a mysql2 pool as `pool`',
    );
  }
  if (
    options.mariadbPool !== undefined &&
    !isMariadbPool(options.mariadbPool)
  ) {
    throw new InvalidOptionsError(
      'MysqlStore mariadbPool',
      options.mariadbPool,
      'a pool of the "mariadb" driver (createPool from "mariadb"), the one given to new PrismaMariaDb(pool)',
    );
  }
}

/** The URL with its password replaced, for logs and errors. */
export function redactUrl(url: string): string {
  return redactSqlUrl(url, URL_FALLBACK);
}
