import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { findMongoJavaServer } from './mongo-server';
import { mysqlBenchStore } from './mysql-store';
import type { BenchPostgres } from './peers/postgres-server';
import { mongoPlace, mysqlPlace } from './retention-places';
import { findPostgres } from './peers/postgres-server';
import {
  PURGE_LOOP,
  procCpuUs,
  type RetentionFigures,
  type RetentionPlace,
  retentionClaims,
  T0,
} from './scenarios/retention-claims';

/**
 * `npm run bench -- --retention [--quick] [--stores=sqlite,postgres,mongo-java-server,mysql]`: claim cost while another
 * process purges 100,000 finished workflows (`--quick`: 10,000), against the same claims with no
 * purge (scenarios/retention-claims.ts). LIDEX_RETENTION_N sets the finished count.
 */
export async function runRetentionBench(options: {
  dir: string;
  quick: boolean;
  wanted: (label: string) => boolean;
  json: boolean;
}): Promise<void> {
  const finished = Number(
    process.env.LIDEX_RETENTION_N ?? (options.quick ? 10_000 : 100_000),
  );
  const sizes = { finished, live: 1_000 };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const figures: RetentionFigures[] = [];
  if (options.wanted('sqlite'))
    figures.push(
      await retentionClaims(sqlitePlace(options.dir), sizes, progress),
    );
  if (options.wanted('postgres')) {
    const postgres = await findPostgres();
    if ('skipped' in postgres)
      console.log(`PostgreSQL skipped: ${postgres.skipped}`);
    else {
      try {
        figures.push(
          await retentionClaims(await postgresPlace(postgres), sizes, progress),
        );
      } finally {
        await postgres.stop();
      }
    }
  }
  if (options.wanted('mongo-java-server')) {
    const server = await findMongoJavaServer(join(options.dir, 'mongo-java'));
    if ('skipped' in server)
      console.log(`mongo-java-server skipped: ${server.skipped}`);
    else {
      try {
        figures.push(
          await retentionClaims(await mongoPlace(server.url), sizes, progress),
        );
      } finally {
        await server.stop();
      }
    }
  }
  if (options.wanted('mysql')) {
    const mysql = await mysqlBenchStore();
    if ('skipped' in mysql) console.log(`MySQL skipped: ${mysql.skipped}`);
    else {
      try {
        const { spec } = mysql.place('retention');
        if (!('mysql' in spec)) throw new Error('expected a MySQL store spec');
        figures.push(
          await retentionClaims(
            await mysqlPlace(spec.mysql.url),
            sizes,
            progress,
          ),
        );
      } finally {
        await mysql.stop();
      }
    }
  }
  console.log(
    `Retention: claim cost of ${sizes.live} workflows while another process purges ${finished} finished ones, against no purge`,
  );
  console.table(
    figures.map((f) => ({
      store: f.store,
      'CPU µs/claim quiet': f.quiet.cpuUsPerClaim,
      'CPU µs/claim purging': f.purging.cpuUsPerClaim,
      'CPU ratio': f.cpuRatio,
      'statements/claim':
        f.quiet.statementsPerClaim === undefined
          ? '-'
          : `${f.quiet.statementsPerClaim} / ${f.purging.statementsPerClaim}`,
      'wall p50 ms': `${f.quiet.wallP50Ms} / ${f.purging.wallP50Ms}`,
      'wall p95 ms': `${f.quiet.wallP95Ms} / ${f.purging.wallP95Ms}`,
      'claims purging': f.purging.claims,
      'purged during claims': f.purgedDuringClaims,
      'left after': f.leftAfter,
      'busy purge batches': f.busyBatches,
    })),
  );
  if (options.json) console.log(JSON.stringify({ retention: figures }));
}

/** SQLite: the claims' CPU is this process's (the purge runs in another). */
export function sqlitePlace(dir: string): RetentionPlace {
  const path = join(dir, 'retention.sqlite');
  return {
    store: 'sqlite',
    open: async () => {
      const store = new SqliteStore({ path });
      await store.init();
      return store;
    },
    seed: (count) => {
      const db = new Database(path);
      const insert = db.prepare(
        `INSERT INTO lidex_workflows (id, name, status, input, result, failures, attempts,
           created_at, updated_at) VALUES (?, 'old', 'finished', '"x"', '"r"', 0, 1, ?, ?)`,
      );
      const step = db.prepare(
        `INSERT INTO lidex_steps (workflow_id, kind, step_id, result, recorded_at)
         VALUES (?, 'step', 's', '"1"', ?)`,
      );
      db.transaction(() => {
        for (let i = 0; i < count; i++) {
          insert.run(`old-${i}`, T0 + i, T0 + i);
          step.run(`old-${i}`, T0 + i);
        }
      })();
      db.close();
      return Promise.resolve();
    },
    purgerScript: `(async () => {
      const { SqliteStore } = require('@lidex/nestjs/sqlite');
      const store = new SqliteStore({ path: ${JSON.stringify(path)} });
      await store.init();
      ${PURGE_LOOP}
    })().catch((error) => { console.error(error); process.exit(1); });`,
    cpuUs: () => {
      const used = process.cpuUsage();
      return Promise.resolve(used.user + used.system);
    },
    close: () => Promise.resolve(),
  };
}

/**
 * PostgreSQL: the claims run on one named connection, whose server process's CPU is read from
 * /proc (the server is local); the statements are counted as the client sends them.
 */
async function postgresPlace(postgres: BenchPostgres): Promise<RetentionPlace> {
  const database = `lidex_retention_${Date.now().toString(36)}`;
  await postgres.createDatabase(database);
  const url = postgres.urlFor(database);
  const schema = 'lidex_retention';
  const name = 'lidex_bench_claims';
  const admin = new Client({ connectionString: url });
  await admin.connect();
  let sent = 0;
  const counting = Client.prototype.query;
  let backend: number | undefined;
  const pid = async () => {
    if (backend !== undefined) return backend;
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    if (rows.length !== 1)
      throw new Error(`expected one claiming connection, found ${rows.length}`);
    return (backend = rows[0].pid);
  };
  return {
    store: 'postgres',
    open: async () => {
      const claimsUrl = `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;
      const store = new PostgresStore({
        url: claimsUrl,
        schema,
        poolSize: 1,
        listen: false,
      });
      await store.init();
      // Counts what the claiming store sends: the admin client is not used between readings.
      Client.prototype.query = function (this: Client, ...args: unknown[]) {
        if (this !== admin) sent += 1;
        return (counting as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof Client.prototype.query;
      return store;
    },
    seed: async (count) => {
      const w = `"${schema}".workflows`;
      const s = `"${schema}".steps`;
      await admin.query(
        `INSERT INTO ${w} (id, name, status, input, result, failures, attempts, created_at,
           updated_at)
         SELECT 'old-' || i, 'old', 'finished', '"x"', '"r"', 0, 1, $1::bigint + i, $1::bigint + i
         FROM generate_series(0, $2::int - 1) AS i`,
        [T0, count],
      );
      await admin.query(
        `INSERT INTO ${s} (workflow_id, kind, step_id, result, recorded_at)
         SELECT 'old-' || i, 'step', 's', '"1"', $1::bigint + i
         FROM generate_series(0, $2::int - 1) AS i`,
        [T0, count],
      );
      await admin.query(`ANALYZE ${w}; ANALYZE ${s}`);
    },
    purgerScript: `(async () => {
      const { PostgresStore } = require('@lidex/nestjs/postgres');
      const store = new PostgresStore({ url: ${JSON.stringify(url)}, schema: ${JSON.stringify(schema)}, listen: false });
      await store.init();
      ${PURGE_LOOP}
    })().catch((error) => { console.error(error); process.exit(1); });`,
    cpuUs: async () => procCpuUs(await pid()),
    statements: () => sent,
    close: async () => {
      Client.prototype.query = counting;
      await admin.end();
      await postgres.dropDatabase(database);
    },
  };
}
