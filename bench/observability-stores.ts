import { join } from 'node:path';
import {
  connectBenchMongo,
  findMongoJavaServer,
  findMongoServer,
} from './mongo-server';
import { mysqlBenchStore } from './mysql-store';
import { findPostgres } from './peers/postgres-server';
import { postgresBenchStore } from './peers/postgres-store';
import {
  type BenchStore,
  memoryStore,
  mongoStore,
  sqliteStore,
} from './stores';

/** A store of the observability bench, and how many workflows each of its rounds runs. */
export interface ObservedStore {
  store: BenchStore;
  workflows: number;
  /** Where its server came from (servers only). */
  source?: string;
}

/**
 * Every store the `--observability` rounds run on: memory and SQLite in this process, and the
 * servers the main bench uses (PostgreSQL, MariaDB/MySQL, a MongoDB server, mongo-java-server),
 * each started here unless its URL is given, and only those `wanted`. A server that is not there
 * is skipped with its reason. `stop` drops what the rounds wrote and stops what was started.
 */
export async function observabilityStores(
  dir: string,
  wanted: (label: string) => boolean,
  skipped: (label: string, reason: string) => void,
): Promise<{ stores: ObservedStore[]; stop(): Promise<void> }> {
  const stores: ObservedStore[] = [];
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const one of stops.reverse()) await one();
  };
  try {
    if (wanted('memory'))
      stores.push({ store: memoryStore(), workflows: 2_000 });
    if (wanted('sqlite'))
      stores.push({ store: sqliteStore(dir), workflows: 500 });
    if (wanted('postgres')) {
      const postgres = await findPostgres();
      if ('skipped' in postgres) skipped('postgres', postgres.skipped);
      else {
        stops.push(() => postgres.stop());
        const store = await postgresBenchStore(postgres);
        stops.push(() => store.drop());
        stores.push({ store, workflows: 500, source: postgres.source });
      }
    }
    if (wanted('mysql')) {
      const mysql = await mysqlBenchStore();
      if ('skipped' in mysql) skipped('mysql', mysql.skipped);
      else {
        stops.push(() => mysql.stop());
        stores.push({ store: mysql, workflows: 500, source: mysql.source });
      }
    }
    for (const label of ['mongodb', 'mongo-java-server'] as const) {
      if (!wanted(label)) continue;
      const dataDir = join(dir, `${label}-data`);
      const found =
        label === 'mongodb'
          ? await findMongoServer(dataDir)
          : await findMongoJavaServer(dataDir);
      if ('skipped' in found) {
        skipped(label, found.skipped);
        continue;
      }
      const mongo = await connectBenchMongo(found);
      stops.push(mongo.stop);
      stores.push({
        store: mongoStore(found.url, mongo.client, mongo.databases, label),
        // FerretDB takes milliseconds per command: a round of 500 would take minutes.
        workflows: mongo.ferretdb ? 100 : 500,
        source: `${mongo.name}, ${found.source}`,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stores, stop };
}
