import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '@lidex/nestjs';
import type { StoreFactory } from './store-factories';

/** The URL of the shared test server, or undefined when the MongoDB suites are skipped. */
export const mongoUrl = process.env.LIDEX_TEST_MONGO_URL;

/** `describe` for suites that need the MongoDB server: skipped (with the reason) when there is none. */
export const describeMongo: jest.Describe = mongoUrl ? describe : describe.skip;

/** A database name of its own for each test file, dropped by `dropTestDatabases()`. */
export function testDatabase(): string {
  const name = `lidex_test_${randomUUID().slice(0, 8)}`;
  created.push(name);
  return name;
}

const created: string[] = [];

export async function dropTestDatabases(): Promise<void> {
  if (!mongoUrl) return;
  const client = new MongoClient(mongoUrl);
  try {
    for (const name of created.splice(0)) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

export function mongoStoreFactory(): StoreFactory {
  const database = testDatabase();
  let count = 0;
  let prefix = '';
  const open = async () => {
    const store = new MongoStore({
      url: mongoUrl!,
      database,
      collectionPrefix: prefix,
    });
    await store.init();
    return store;
  };
  return {
    label: 'mongodb',
    durable: true,
    create: () => {
      prefix = `c${++count}_`;
      return open();
    },
    reopen: open,
    cleanup: dropTestDatabases,
  };
}
