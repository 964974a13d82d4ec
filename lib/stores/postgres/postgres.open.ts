import type { Pool } from 'pg';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import type { StoreLogger } from '../persistence';
import { loadDriver } from '../load-driver';
import { PostgresListener } from './postgres.listener';
import { migrateSchema, type SchemaConnection } from './postgres.migrate';
import {
  POSTGRES_DEFAULTS,
  type PostgresStoreOptions,
} from './postgres.options';
import type { Queryable } from './postgres.queryable';
import { openSource } from './postgres.source';

/** What an open PostgreSQL store works with. */
export interface Opened {
  /** The pool the store opened from `url`; an app's pool or ORM is never ended here. */
  pool?: Pool;
  query: Queryable;
  listener?: PostgresListener;
  /** A transaction over the same connections, for claims with flow limits. */
  transaction: SchemaConnection['transaction'];
}

/**
 * Opens the store's connections (its own pool from `url`, or the app's pool or ORM), creates or
 * upgrades its schema (unless `migrate: false`) and, with `listen`, opens the connection that
 * listens on `channel`. What it opened is closed again if a later step fails.
 */
export async function openPostgres(
  options: PostgresStoreOptions,
  schema: string,
  channel: string,
  logger: StoreLogger | undefined,
  describe: () => string,
): Promise<Opened> {
  const pg = loadDriver<typeof import('pg')>('pg', 'PostgreSQL store');
  const timeoutMs =
    options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs;
  const source = openSource(options, pg, (error) =>
    logger?.warn(messages.postgresConnectionLost(describe(), error.message)),
  );
  let listener: PostgresListener | undefined;
  try {
    await migrateSchema(
      source.schema,
      schema,
      options.migrate ?? POSTGRES_DEFAULTS.migrate,
      describe(),
    );
    if ((options.listen ?? POSTGRES_DEFAULTS.listen) && source.listenConfig) {
      listener = new PostgresListener(
        pg.Client,
        {
          ...source.listenConfig,
          connectionTimeoutMillis: timeoutMs,
          keepAlive: true,
        },
        channel,
        logger,
        describe,
      );
      await listener.open();
    }
    return {
      pool: source.ownPool,
      query: source.query,
      listener,
      transaction: (body) => source.schema.transaction(body),
    };
  } catch (error) {
    await listener?.close();
    await source.ownPool?.end().catch(() => undefined);
    throw error instanceof LidexError
      ? error
      : new StoreUnavailableError(describe(), error);
  }
}
