import type { ClientConfig, Pool } from 'pg';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { messages } from '../../lidex.messages';
import { drizzlePool, drizzleTransaction } from './orm/drizzle';
import { kyselyConnection, kyselyTransaction } from './orm/kysely';
import {
  ormQueryable,
  type OrmConnection,
  type RawQuery,
} from './orm/orm-connection';
import { pgClientTransaction } from './orm/pg-client';
import { prismaConnection, prismaTransaction } from './orm/prisma';
import { typeOrmPool, typeOrmTransaction } from './orm/typeorm';
import {
  POSTGRES_DEFAULTS,
  type PostgresStoreOptions,
} from './postgres.options';
import { poolQueryable, type Queryable, retrying } from './postgres.queryable';
import type { SchemaConnection } from './postgres.migrate';

type Pg = typeof import('pg');

/** Where the store's statements go, and where its LISTEN connection connects. */
export interface PostgresSource {
  /** The pool the store opened from `url` (it ends it at close); none when it is the app's. */
  ownPool?: Pool;
  query: Queryable;
  schema: SchemaConnection;
  /** Connection settings for LISTEN: `listenUrl`, else the pool's; none for an ORM without one. */
  listenConfig?: ClientConfig;
}

/** What the store was built from, in words for `describe()`. */
export function sourceName(options: PostgresStoreOptions): string {
  if (options.pool) return 'a shared pg.Pool';
  if (options.typeorm) return "TypeORM's DataSource";
  if (options.drizzle) return "Drizzle's database";
  if (options.kysely) return 'Kysely';
  if (options.prisma) return 'the Prisma client';
  return 'a connection string';
}

const poolSchema = (pool: Pool): SchemaConnection => ({
  query: (text, values) => pool.query(text, values),
  async transaction(body) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await body((text, values) => client.query(text, values));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  },
});

const ormSchema = (orm: OrmConnection): SchemaConnection => ({
  query: (text, values = []) => orm.query(text, values),
  transaction: (body) =>
    orm.transaction((query) =>
      body(async (text, values = []) => query(text, values)),
    ),
});

/** Opens the pool (from `url`) or takes the app's, through the ORM the options name. */
export function openSource(
  options: PostgresStoreOptions,
  pg: Pg,
  onIdleError: (error: Error) => void,
): PostgresSource {
  const timeoutMs =
    options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs;
  const listenFrom = (config?: ClientConfig): ClientConfig | undefined =>
    options.listenUrl
      ? { connectionString: options.listenUrl }
      : config && { ...config };
  const orm = options.kysely
    ? kyselyConnection(options.kysely)
    : options.prisma
      ? prismaConnection(options.prisma)
      : undefined;
  if (orm) {
    return {
      // Retried as the store's own pool retries (not inside the app's transaction: there, the
      // whole transaction is aborted, and it is the app's to run again).
      query: retrying(ormQueryable(orm.query)),
      schema: ormSchema(orm),
      listenConfig: listenFrom(),
    };
  }
  const shared = options.pool
    ? options.pool
    : options.typeorm
      ? typeOrmPool(options.typeorm)
      : options.drizzle
        ? drizzlePool(options.drizzle)
        : undefined;
  if (shared) {
    return {
      query: poolQueryable(shared, pg.types),
      schema: poolSchema(shared),
      listenConfig: listenFrom(shared.options),
    };
  }
  const config: ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: timeoutMs,
    keepAlive: true,
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    keepAlive: true,
    max: options.poolSize ?? POSTGRES_DEFAULTS.poolSize,
    // The pool would apply `connectionTimeoutMillis` to a statement waiting for a free
    // connection too, failing a burst larger than the pool: the connect timeout is given to
    // each connection instead, and a statement waits its turn.
    Client: timedClient(pg, timeoutMs),
  });
  // An idle connection that fails is dropped by the pool; without a listener it would crash.
  pool.on('error', onIdleError);
  return {
    ownPool: pool,
    query: poolQueryable(pool, pg.types),
    schema: poolSchema(pool),
    listenConfig: listenFrom(config),
  };
}

/** `pg.Client`, each connection opened within `timeoutMs`. */
function timedClient(pg: Pg, timeoutMs: number): Pg['Client'] {
  return class TimedClient extends pg.Client {
    constructor(config?: string | ClientConfig) {
      super({
        ...(typeof config === 'string' ? { connectionString: config } : config),
        connectionTimeoutMillis: timeoutMs,
      });
    }
  };
}

const TRANSACTIONS = [
  typeOrmTransaction,
  kyselyTransaction,
  prismaTransaction,
  drizzleTransaction,
  pgClientTransaction,
];

const EXPECTED_TRANSACTION =
  "a transaction in progress: a pg client after BEGIN, TypeORM's EntityManager of " +
  "dataSource.transaction(...) or a QueryRunner after startTransaction(), Drizzle's tx of " +
  "db.transaction(...), Kysely's trx of db.transaction().execute(...), or Prisma's tx of " +
  'prisma.$transaction(async (tx) => ...)';

/** The app's transaction as a way to run one statement in it; throws for anything else. */
export function transactionQuery(
  transaction: unknown,
  store: string,
): Queryable {
  let query: RawQuery | undefined;
  if (typeof transaction === 'object' && transaction !== null) {
    for (const recognise of TRANSACTIONS) {
      query = recognise(transaction);
      if (query) break;
    }
  }
  if (!query) {
    throw new InvalidArgumentError(
      messages.postgresNotATransaction(
        store,
        transaction,
        EXPECTED_TRANSACTION,
      ),
    );
  }
  return ormQueryable(query);
}
