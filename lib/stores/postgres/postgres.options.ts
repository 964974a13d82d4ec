import type { Pool } from 'pg';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import type { DrizzleDatabaseLike } from './orm/drizzle';
import type { KyselyLike } from './orm/kysely';
import type { PrismaClientLike } from './orm/prisma';
import { isTypeOrmDataSource, type TypeOrmDataSourceLike } from './orm/typeorm';
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
 * Options of the PostgreSQL store: give one of `url`, `pool`, or the app's ORM (`typeorm`,
 * `drizzle`, `kysely`, `prisma`), whose connection the store's statements then share.
 */
export interface PostgresStoreOptions {
  /** A connection string (`postgres://user:password@host:5432/db`); the store opens its own pool. */
  url?: string;
  /**
   * An existing `pg.Pool` (the app's own). The store runs its statements through it and never
   * ends it: the application owns it. Notifications (LISTEN) use one more connection of their
   * own, opened with the pool's connection settings. The pool's `connectionTimeoutMillis`, if
   * set, also bounds how long a statement waits for a free connection of it (`pg`'s rule): a
   * burst larger than `max` waiting past it fails; leave it unset, or size `max` for bursts.
   */
  pool?: Pool;
  /**
   * The app's TypeORM `DataSource` (type `postgres`), initialized before the store opens: the
   * store runs on its `pg.Pool` and never destroys it. LISTEN opens one connection of its own
   * with the pool's settings.
   */
  typeorm?: TypeOrmDataSourceLike;
  /**
   * The app's Drizzle database on node-postgres over a `pg.Pool` (`drizzle({ client: pool })`):
   * the store runs on that pool (`db.$client`). LISTEN opens one connection with its settings.
   */
  drizzle?: DrizzleDatabaseLike;
  /**
   * The app's `Kysely` on PostgreSQL: the store's statements run through it (its pool). Kysely
   * does not hand out its pool, so give `listenUrl` for LISTEN, or `listen: false` to poll.
   */
  kysely?: KyselyLike;
  /**
   * The app's Prisma client on PostgreSQL (Prisma 7 with `@prisma/adapter-pg`, or an engine):
   * the store's statements run through it (`$queryRawUnsafe`). Prisma does not hand out a
   * connection of its own, so give `listenUrl` for LISTEN, or `listen: false` to poll.
   */
  prisma?: PrismaClientLike;
  /**
   * The connection string of the one connection that LISTENs: needed with `kysely` and
   * `prisma`; elsewhere it replaces the pool's settings (a pooler in transaction mode cannot
   * hold a LISTEN: point this one at the server).
   */
  listenUrl?: string;
  /**
   * The PostgreSQL schema holding Lidex's tables (created when missing, with `migrate`).
   * Lower-case letters, digits and `_`, starting with a letter or `_`.
   * @default 'lidex'
   */
  schema?: string;
  /**
   * Create and upgrade the schema at start, under an advisory lock (safe with many instances
   * starting at once). `false` for teams whose migrations run elsewhere: apply
   * `PostgresStore.migrationSql({ schema })` with your migration tool; start-up then only checks
   * that the schema is current.
   * @default true
   */
  migrate?: boolean;
  /**
   * Connections of the pool the store opens from `url` (ignored with `pool`).
   * @default 10
   */
  poolSize?: number;
  /**
   * How long opening a connection may take before it fails (each connection of the pool opened
   * from `url`, and the notification connection). Not how long a statement may wait for a free
   * connection of the pool: a burst larger than the pool waits its turn.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * Listen for new ready work (LISTEN/NOTIFY), so that an idle worker claims a workflow started by
   * another instance at once instead of at its next poll. Off behind a connection pooler that
   * cannot hold a session (PgBouncer in transaction mode).
   * @default true
   */
  listen?: boolean;
}

export const POSTGRES_DEFAULTS = {
  schema: 'lidex',
  migrate: true,
  poolSize: 10,
  connectTimeoutMs: 5000,
  listen: true,
} as const;

const SOURCES = [
  'url',
  'pool',
  'typeorm',
  'drizzle',
  'kysely',
  'prisma',
] as const satisfies readonly (keyof PostgresStoreOptions)[];

const KNOWN_KEYS = [
  ...SOURCES,
  'listenUrl',
  'schema',
  'migrate',
  'poolSize',
  'connectTimeoutMs',
  'listen',
] as const satisfies readonly (keyof PostgresStoreOptions)[];

const STORE = 'PostgresStore';
const URL_FALLBACK = 'a PostgreSQL connection string';

/** Checks the options, throwing the error that names the option and the fix. */
export function checkPostgresOptions(options: PostgresStoreOptions): void {
  checkOptionKeys(STORE, options, KNOWN_KEYS);
  const { pool } = options;
  checkOneSource(
    STORE,
    options,
    SOURCES,
    'exactly one of `url` (a connection string), `pool` (an existing pg.Pool), or your ORM: ' +
      '`typeorm` (a DataSource), `drizzle` (a node-postgres database), `kysely` or `prisma`',
  );
  for (const key of ['url', 'listenUrl'] as const) {
    checkUrl(
      STORE,
      key,
      options[key],
      ['postgres:', 'postgresql:'],
      'a connection string such as postgres://user:password@db.internal:5432/orders',
      URL_FALLBACK,
    );
  }
  checkOrmOptions(options);
  checkShapes(STORE, options, [
    [
      'pool',
      typeof pool === 'object' &&
        pool !== null &&
        typeof (pool as { query?: unknown }).query === 'function' &&
        typeof (pool as { connect?: unknown }).connect === 'function',
      'a pg.Pool (new Pool({ connectionString }) from the "pg" package)',
    ],
  ]);
  checkName(
    STORE,
    'schema',
    options.schema,
    /^[a-z_][a-z0-9_]{0,62}$/,
    "a schema name of lower-case letters, digits and '_' (at most 63, not starting with a digit), such as 'lidex'",
  );
  checkBooleans(STORE, options, ['migrate', 'listen']);
  checkPositiveIntegers(STORE, options, ['poolSize', 'connectTimeoutMs']);
}

function checkOrmOptions(options: PostgresStoreOptions): void {
  checkShapes(STORE, options, [
    [
      'typeorm',
      isTypeOrmDataSource(options.typeorm),
      'a TypeORM DataSource (new DataSource({ type: "postgres", ... }))',
    ],
    [
      'drizzle',
      typeof options.drizzle === 'object' &&
        options.drizzle !== null &&
        '$client' in options.drizzle,
      'a Drizzle database from "drizzle-orm/node-postgres" (drizzle({ client: pool }))',
    ],
    [
      'kysely',
      typeof options.kysely?.executeQuery === 'function' &&
        typeof options.kysely?.transaction === 'function',
      'a Kysely instance (new Kysely({ dialect: new PostgresDialect({ pool }) }))',
    ],
    [
      'prisma',
      typeof options.prisma?.$queryRawUnsafe === 'function' &&
        typeof options.prisma?.$transaction === 'function',
      'a PrismaClient (new PrismaClient({ adapter: new PrismaPg(...) }))',
    ],
  ]);
  const orm = options.kysely ? 'kysely' : options.prisma ? 'prisma' : undefined;
  if (orm && options.listen !== false && options.listenUrl === undefined) {
    throw new InvalidOptionsError(
      'PostgresStore listenUrl',
      undefined,
      `a connection string for the LISTEN connection (${orm} does not hand out one), or ` +
        '`listen: false` to find new work by polling every pollIntervalMs',
    );
  }
}

/** The URL with its password replaced, for logs and errors. */
export function redactUrl(url: string): string {
  return redactSqlUrl(url, URL_FALLBACK);
}
