import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  PostgresStore,
  type PostgresStoreOptions,
} from '@lidex/nestjs/postgres';
import type { StoreFactory } from './store-factories';

/** The URL of the shared test server, or undefined when the PostgreSQL suites are skipped. */
export const postgresUrl = process.env.LIDEX_TEST_POSTGRES_URL;

/** `describe` for suites that need the PostgreSQL server: skipped when there is none. */
export const describePostgres: jest.Describe = postgresUrl
  ? describe
  : describe.skip;

const created: string[] = [];

/** A schema name of its own (dropped by `dropTestSchemas()`). */
export function testSchema(): string {
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  created.push(name);
  return name;
}

/** Drops the schemas `testSchema()` named, with their tables. */
export async function dropTestSchemas(url = postgresUrl): Promise<void> {
  const names = created.splice(0);
  if (!url || names.length === 0) return;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const name of names) {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  } finally {
    await client.end();
  }
}

/** Runs one SQL statement on the test server, on a connection of its own. */
export async function sql<R = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
  url = postgresUrl!,
): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

export function postgresStoreFactory(
  options: Omit<PostgresStoreOptions, 'url' | 'pool' | 'schema'> = {},
  url = postgresUrl!,
): StoreFactory {
  let schema = '';
  const open = async () => {
    const store = new PostgresStore({ url, schema, poolSize: 4, ...options });
    await store.init();
    return store;
  };
  return {
    label: 'postgres',
    durable: true,
    create: () => {
      schema = testSchema();
      return open();
    },
    reopen: open,
    cleanup: () => dropTestSchemas(url),
  };
}
