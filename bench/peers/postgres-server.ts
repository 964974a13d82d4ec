import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  findPostgresBinaries,
  startPostgresServer,
} from '../../test/support/postgres-server';
import { onExit } from '../cleanup';
import { pause } from '../stats';
import { uncounted } from './meters';

/** The PostgreSQL server the bench's PostgreSQL store and DBOS share. */
export interface BenchPostgres {
  /** e.g. "PostgreSQL 15.14, started here (fsync on, synchronous_commit on)". */
  source: string;
  /** A URL for database `name` on this server (created by `createDatabase`). */
  urlFor(name: string): string;
  createDatabase(name: string): Promise<void>;
  /** Drops database `name`, closing what is still connected to it (on LIDEX_POSTGRES_URL's server, the bench leaves nothing behind). */
  dropDatabase(name: string): Promise<void>;
  /**
   * Statements the server has executed in every database but the bench's own `postgres`
   * (pg_stat_statements), or undefined where the extension is not loaded (a server of
   * LIDEX_POSTGRES_URL's without it).
   */
  statements(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * LIDEX_POSTGRES_URL when set (a superuser's, for CREATE DATABASE); else a server started here as
 * the tests start theirs (`test/support/postgres-server.ts`: `fsync` on), with pg_stat_statements
 * loaded to count statements, in a temporary folder of its own (the server's user cannot enter
 * the bench's), removed when it stops. When there is none, the reason and how to get one.
 */
export async function findPostgres(): Promise<
  BenchPostgres | { skipped: string }
> {
  const given = process.env.LIDEX_POSTGRES_URL;
  if (given) return connect(given, 'LIDEX_POSTGRES_URL', async () => {});
  if (!findPostgresBinaries()) {
    return { skipped: `no PostgreSQL server: ${HOW_TO_ENABLE}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lidex-bench-postgres-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const server = await startPostgresServer(dir, {
    settings: { shared_preload_libraries: 'pg_stat_statements' },
  });
  const removeExitHook = onExit(() => {
    server.kill();
    remove();
  });
  return connect(server.url, 'started here', async () => {
    removeExitHook();
    await server.stop();
    remove();
  });
}

const HOW_TO_ENABLE =
  "set LIDEX_POSTGRES_URL, or install Debian's `postgresql` package (apt-get install -y postgresql)";

async function connect(
  url: string,
  source: string,
  stopServer: () => Promise<void>,
): Promise<BenchPostgres> {
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = uncounted(
    new Client({ connectionString: adminUrl.toString() }),
  );
  await admin.connect();
  const setting = async (name: string) =>
    (
      await admin.query<{ value: string }>(
        `SELECT current_setting($1) AS value`,
        [name],
      )
    ).rows[0].value;
  const counting = await admin
    .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    .then(() => admin.query('SELECT 1 FROM pg_stat_statements LIMIT 1'))
    .then(
      () => true,
      () => false,
    );
  const version = (await setting('server_version')).split(' ')[0];
  const durability = `fsync ${await setting('fsync')}, synchronous_commit ${await setting('synchronous_commit')}`;
  return {
    source: `PostgreSQL ${version}, ${source} (${durability}${counting ? '' : ', no pg_stat_statements: statements not counted'})`,
    urlFor: (name) => {
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    createDatabase: async (name) => {
      await admin.query(`CREATE DATABASE "${name}"`);
    },
    dropDatabase: async (name) => {
      // A client that has just shut down may still be closing a connection (DBOS retires its
      // LISTEN connection without waiting): give it a moment rather than cut it off.
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const { rows } = await admin.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (rows[0].n === 0) break;
        await pause(100);
      }
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    statements: async () => {
      if (!counting) return undefined;
      const { rows } = await admin.query<{ calls: string | null }>(
        `SELECT sum(calls) AS calls FROM pg_stat_statements
          WHERE dbid <> (SELECT oid FROM pg_database WHERE datname = 'postgres')`,
      );
      return Number(rows[0].calls ?? 0);
    },
    stop: async () => {
      await admin.end();
      await stopServer();
    },
  };
}
