import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '@lidex/nestjs/mongodb';
import type { StoreFactory } from './store-factories';

/** The URL of the shared test server, or undefined when the MongoDB suites are skipped. */
export const mongoUrl = process.env.LIDEX_TEST_MONGO_URL;

/** One of the MongoDB-compatible servers the global setup started (or LIDEX_MONGO_URL named). */
export interface TestMongoServer {
  /** For test names: "FerretDB", "mongo-java-server", "mongod". */
  label: string;
  url: string;
  kind: 'mongod' | 'ferretdb' | 'mongo-java-server';
  /** Whether its single-document conditional updates are atomic under concurrency. */
  atomic: boolean;
}

/**
 * Every server the MongoDB suites run on: the first (FerretDB, a `mongod`, or LIDEX_MONGO_URL)
 * and mongo-java-server, each when there.
 */
export const mongoServers: TestMongoServer[] = [
  ...(mongoUrl
    ? [firstServer(mongoUrl, process.env.LIDEX_TEST_MONGO_KIND)]
    : []),
  ...(process.env.LIDEX_TEST_MONGO_JAVA_URL
    ? [
        {
          label: 'mongo-java-server',
          url: process.env.LIDEX_TEST_MONGO_JAVA_URL,
          kind: 'mongo-java-server' as const,
          atomic: true,
        },
      ]
    : []),
];

function firstServer(url: string, kind: string | undefined): TestMongoServer {
  if (kind === 'ferretdb')
    return { label: 'FerretDB', url, kind: 'ferretdb', atomic: false };
  // A `mongod`, or LIDEX_MONGO_URL (taken to be MongoDB itself).
  return { label: 'MongoDB', url, kind: 'mongod', atomic: true };
}

/** `describe` for suites that need the MongoDB server: skipped (with the reason) when there is none. */
export const describeMongo: jest.Describe = mongoUrl ? describe : describe.skip;

/**
 * `describe.each` over every MongoDB-compatible server there is (`$label` names it); skipped when
 * there is none.
 */
export const describeEachMongo = (
  name: string,
  body: (server: TestMongoServer) => void,
): void => {
  if (mongoServers.length === 0) describe.skip(name, () => undefined);
  else describe.each(mongoServers)(name, body);
};

/** A database name of its own for each test file, dropped by `dropTestDatabases()`. */
export function testDatabase(url: string | undefined = mongoUrl): string {
  const name = `lidex_test_${randomUUID().slice(0, 8)}`;
  created.push({ url: url!, name });
  return name;
}

const created: { url: string; name: string }[] = [];

export async function dropTestDatabases(): Promise<void> {
  const byUrl = new Map<string, string[]>();
  for (const { url, name } of created.splice(0)) {
    if (url) byUrl.set(url, [...(byUrl.get(url) ?? []), name]);
  }
  for (const [url, names] of byUrl) {
    const client = new MongoClient(url);
    try {
      for (const name of names) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  }
}

export function mongoStoreFactory(
  server: Pick<TestMongoServer, 'url' | 'kind'> | undefined = mongoServers[0],
): StoreFactory {
  const url = server?.url ?? mongoUrl!;
  const database = testDatabase(url);
  let count = 0;
  let prefix = '';
  const open = async () => {
    const store = new MongoStore({ url, database, collectionPrefix: prefix });
    await store.init();
    return store;
  };
  return {
    label:
      server?.kind === 'mongo-java-server'
        ? 'mongodb (mongo-java-server)'
        : 'mongodb',
    durable: true,
    create: () => {
      prefix = `c${++count}_`;
      return open();
    },
    reopen: open,
    cleanup: dropTestDatabases,
  };
}

/**
 * The document of a workflow `w<n>` named `job`, never claimed, ready from `n` (ms since the
 * epoch) on, as the store writes one: for tests that seed many ready workflows at once.
 */
export const readyJobDocument = (n: number) => ({
  _id: `w${n}`,
  name: 'job',
  status: 'idle',
  input: 'null',
  failures: 0,
  attempts: 0,
  epoch: 0,
  version: 1,
  priority: 0,
  readyAt: n,
  createdAt: n,
  updatedAt: n,
  steps: [],
  stepKeys: [],
});
