import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import type { MongoClient } from 'mongodb';
import { openSpec, type StoreSpec } from '../test/support/worker/store-spec';

export { openSpec, type StoreSpec };

/** Fresh, empty data for one scenario: its own SQLite file, MongoDB database or memory. */
export interface StorePlace {
  spec: StoreSpec;
  /** Opens and initialises a store over this place's data (memory: the one instance). */
  open(): Promise<Persistence>;
  /**
   * A store for filling this place with many rows fast, through the store's own API. SQLite
   * commits without waiting for the disk here (`durability: 'normal'`): the rows are the same,
   * and the figures are measured through `open()`, with the default durability.
   */
  openForSeeding(): Promise<Persistence>;
}

/** One store under bench: memory, SQLite or MongoDB. */
export interface BenchStore {
  /** `mongodb`: the first MongoDB-compatible server (a `mongod`, FerretDB, LIDEX_MONGO_URL). */
  label:
    | 'memory'
    | 'sqlite'
    | 'mongodb'
    | 'mongo-java-server'
    | 'postgres'
    | 'mysql';
  /** Whether worker processes can share its data with the bench process. */
  shared: boolean;
  /**
   * How many writes to have in flight while seeding: many for an embedded store, few for a
   * server (FerretDB's SQLite backend gives up on its write lock under a few hundred).
   */
  seedBatch: number;
  place(scenario: string): StorePlace;
  /** MongoDB: the client the bench process talks through, its commands monitored. */
  client?: MongoClient;
}

export function memoryStore(): BenchStore {
  return {
    label: 'memory',
    shared: false,
    seedBatch: 1_000,
    place: () => {
      const store = new MemoryStore();
      const open = async () => store;
      return { spec: { memory: true }, open, openForSeeding: open };
    },
  };
}

/** SQLite with its default durability (`full`: every commit on disk). */
export function sqliteStore(dir: string): BenchStore {
  return {
    label: 'sqlite',
    shared: true,
    seedBatch: 1_000,
    place: (scenario) => {
      const path = join(dir, `${scenario}.sqlite`);
      const spec: StoreSpec = { sqlite: path };
      return {
        spec,
        open: () => initialised(openSpec(spec)),
        openForSeeding: () =>
          initialised(openSpec({ sqlite: path, durability: 'normal' })),
      };
    },
  };
}

/**
 * MongoDB, one database per scenario (dropped by the caller's cleanup). The bench process talks
 * through `client`, whose commands are counted.
 */
export function mongoStore(
  url: string,
  client: MongoClient,
  databases: string[],
  label: 'mongodb' | 'mongo-java-server' = 'mongodb',
): BenchStore {
  const run = Date.now().toString(36);
  return {
    label,
    shared: true,
    seedBatch: 20,
    client,
    place: (scenario) => {
      const database = `lidex_bench_${run}_${scenario}`;
      databases.push(database);
      const spec: StoreSpec = { mongodb: { url, database } };
      const open = () => initialised(openSpec(spec, client));
      return { spec, open, openForSeeding: open };
    },
  };
}

export async function initialised(store: Persistence): Promise<Persistence> {
  await store.init();
  return store;
}
