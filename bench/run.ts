/**
 * `npm run bench`: figures, not pass/fail. Every scenario on every store (memory, SQLite with its
 * default durable commits, MongoDB, PostgreSQL), printed as tables; then our durable stores beside
 * the peers (DBOS Transact, BullMQ) in interleaved rounds. `--quick` runs small sizes (a CI smoke
 * run, about a minute); `--json` also prints all figures as one JSON object, the last line of
 * stdout. `--markdown` prints the tables as Markdown; `--stores=memory,sqlite` runs only the stores
 * named, `--peers=dbos,bullmq` only the peers named (`--peers=none`: none); `--peers-only` skips the
 * scenarios of every store and runs only the rounds beside the peers. `--observability` runs only
 * the overhead of tracing and events (on against off, interleaved, on every store:
 * observability-run.ts).
 * `--retention` runs only claim cost while another process purges 100,000 finished workflows
 * (retention-run.ts). Progress goes to stderr.
 *
 * MongoDB: LIDEX_MONGO_URL when set, else a server started here (a `mongod` on PATH, else
 * FerretDB), stopped at the end; and mongo-java-server too (`--stores=mongo-java-server`), when
 * scripts/install-mongo-java-server.sh has built it.
 *
 * PostgreSQL (our store and DBOS): LIDEX_POSTGRES_URL when set, else a server started here. Redis
 * (BullMQ): a `redis-server` on PATH, started here. A peer without its server is skipped with one
 * line saying how to enable it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { onExit } from './cleanup';
import { fsyncMs } from './disk';
import { BENCH_ENGINE_OPTIONS, THROUGHPUT_CONCURRENCY } from './engines';
import { commandCountingClient } from './mongo-commands';
import {
  type BenchMongo,
  connectBenchMongo,
  findMongoJavaServer,
  findMongoServer,
} from './mongo-server';
import { type BenchResults, renderReport } from './report';
import { sizesFor } from './sizes';
import { elapsedMs, round } from './stats';
import {
  type BenchStore,
  memoryStore,
  mongoStore,
  sqliteStore,
} from './stores';
import { runSuite } from './suite';
import { PEERS, type Peer, runPeers } from './peers';
import { type BenchPostgres, findPostgres } from './peers/postgres-server';
import { postgresBenchStore } from './peers/postgres-store';
import { runObservabilityBench } from './observability-run';
import { runRetentionBench } from './retention-run';
import { mysqlBenchStore } from './mysql-store';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
/** Tables in Markdown, to paste into docs/benchmarks.md. */
const markdown = process.argv.includes('--markdown');
/** Only the rounds beside the peers: no scenario of the suite. */
const peersOnly = process.argv.includes('--peers-only');
/** `--stores=sqlite,mongodb` runs only those; all by default. */
const only = process.argv
  .find((arg) => arg.startsWith('--stores='))
  ?.slice('--stores='.length)
  .split(',');
const wanted = (label: string) => !only || only.includes(label);
/** `--peers=dbos,bullmq` runs only those beside ours, `--peers=none` none; all by default. */
const peersArg = process.argv
  .find((arg) => arg.startsWith('--peers='))
  ?.slice('--peers='.length)
  .split(',');
const peers: Peer[] = PEERS.filter(
  (peer) => !peersArg || peersArg.includes(peer),
);
/** Longest one scenario may take before the bench gives up on it. */
const SCENARIO_LIMIT_MS = (quick ? 2 : 30) * 60_000;

const machine = (dir: string) => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  ramGb: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  os: `${process.platform} ${release()}`,
  tempDir: tmpdir(),
  fsyncMs: fsyncMs(dir),
  // Other work on the machine shows in the figures: say how busy it was when the bench began.
  loadAverage1m: round(loadavg()[0]),
});

async function setUpMongo(
  dir: string,
  results: BenchResults,
): Promise<BenchMongo | undefined> {
  const found = await findMongoServer(join(dir, 'mongodb-data'));
  if ('skipped' in found) {
    results.mongodb = { skipped: found.skipped };
    console.log(`MongoDB skipped: ${found.skipped}`);
    return undefined;
  }
  const mongo = await connectBenchMongo(
    found,
    commandCountingClient(found.url).client,
  );
  results.mongodb = {
    server: mongo.name,
    source: found.source,
    ferretdb: mongo.ferretdb,
  };
  return mongo;
}

async function setUpMongoJava(
  dir: string,
  results: BenchResults,
): Promise<BenchMongo | undefined> {
  const found = await findMongoJavaServer(join(dir, 'mongo-java-data'));
  if ('skipped' in found) {
    results.mongoJavaServer = { skipped: found.skipped };
    console.log(`mongo-java-server skipped: ${found.skipped}`);
    return undefined;
  }
  const mongo = await connectBenchMongo(
    found,
    commandCountingClient(found.url).client,
  );
  results.mongoJavaServer = {
    server: `mongo-java-server reporting ${mongo.name}`,
    source: found.source,
  };
  return { ...mongo, ferretdb: false };
}

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const dir = mkdtempSync(join(tmpdir(), 'lidex-bench-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forgetDir = onExit(removeDir);
  if (process.argv.includes('--observability')) {
    // Only the overhead of tracing and events (observability-run.ts).
    try {
      return await runObservabilityBench({ dir, quick, wanted, json });
    } finally {
      forgetDir();
      removeDir();
    }
  }
  if (process.argv.includes('--retention')) {
    // Only claim cost while a purge runs (retention-run.ts).
    try {
      return await runRetentionBench({ dir, quick, wanted, json });
    } finally {
      forgetDir();
      removeDir();
    }
  }
  const results: BenchResults = {
    mode: quick ? 'quick' : 'full',
    machine: machine(dir),
    engineOptions: {
      ...BENCH_ENGINE_OPTIONS,
      throughputConcurrency: THROUGHPUT_CONCURRENCY,
    },
    mongodb: { skipped: 'not asked for (--stores)' },
    stores: {},
  };
  let mongo: BenchMongo | undefined;
  let mongoJava: BenchMongo | undefined;
  let postgres: BenchPostgres | { skipped: string } | undefined;
  let dropPostgres: (() => Promise<void>) | undefined;
  let stopMysql: (() => Promise<void>) | undefined;
  try {
    if (wanted('postgres') || peers.includes('dbos')) {
      postgres = await findPostgres();
      // Without a server, the line saying DBOS was skipped says why (one line, not two).
      if (!('skipped' in postgres)) results.postgres = postgres.source;
      else if (!peers.includes('dbos'))
        console.log(`PostgreSQL skipped: ${postgres.skipped}`);
    }
    if (wanted('mongodb')) mongo = await setUpMongo(dir, results);
    if (wanted('mongo-java-server'))
      mongoJava = await setUpMongoJava(dir, results);
    const sqlite = sqliteStore(dir);
    const stores: BenchStore[] = [memoryStore(), sqlite];
    if (mongo) {
      stores.push(mongoStore(mongo.server.url, mongo.client, mongo.databases));
    }
    if (mongoJava) {
      stores.push(
        mongoStore(
          mongoJava.server.url,
          mongoJava.client,
          mongoJava.databases,
          'mongo-java-server',
        ),
      );
    }
    const ours = [{ store: sqlite, what: 'SQLite, durable commits (full)' }];
    if (postgres && !('skipped' in postgres) && wanted('postgres')) {
      const store = await postgresBenchStore(postgres);
      dropPostgres = store.drop;
      stores.push(store);
      ours.push({ store, what: 'PostgreSQL, same server as DBOS' });
    }
    if (wanted('mysql') && !peersOnly) {
      const mysql = await mysqlBenchStore();
      if ('skipped' in mysql) console.log(`MySQL skipped: ${mysql.skipped}`);
      else {
        stopMysql = mysql.stop;
        results.mysql = mysql.source;
        stores.push(mysql);
      }
    }
    for (const store of stores.filter(
      ({ label }) => wanted(label) && !peersOnly,
    )) {
      results.stores[store.label] = await runSuite(
        store,
        sizesFor(store.label, quick, mongo?.ferretdb ?? false),
        SCENARIO_LIMIT_MS,
        (scenario) => process.stderr.write(`${store.label}: ${scenario}\n`),
      );
    }
    if (peers.length > 0) {
      results.peers = await runPeers({
        dir,
        quick,
        peers,
        ours: ours.filter(({ store }) => wanted(store.label)),
        postgres,
        progress: (line) => process.stderr.write(`${line}\n`),
      });
    }
  } finally {
    if (postgres && !('skipped' in postgres)) {
      await dropPostgres?.();
      await postgres.stop();
    }
    await stopMysql?.();
    if (mongo) await mongo.stop();
    if (mongoJava) await mongoJava.stop();
    forgetDir();
    removeDir();
  }
  results.seconds = round(elapsedMs(started) / 1000, 1);
  console.log(renderReport(results, markdown ? 'markdown' : 'text'));
  if (json) console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
