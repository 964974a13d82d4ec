import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { MysqlStore, type MysqlStoreOptions } from '@lidex/nestjs/mysql';
import type { StoreFactory } from './store-factories';

/** The URL of the shared test server, or undefined when the MySQL suites are skipped. */
export const mysqlUrl = process.env.LIDEX_TEST_MYSQL_URL;

/** `describe` for suites that need the MySQL server: skipped when there is none. */
export const describeMysql: jest.Describe = mysqlUrl ? describe : describe.skip;

const created: string[] = [];

/** A table prefix of its own (its tables and procedures dropped by `dropTestTables()`). */
export function testPrefix(): string {
  const prefix = `t${randomUUID().replace(/-/g, '').slice(0, 10)}_`;
  created.push(prefix);
  return prefix;
}

/** Runs SQL on the test server, on a connection of its own; the first result's rows. */
export async function mysqlSql<R = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
  url = mysqlUrl!,
): Promise<R[]> {
  const connection = await createConnection({
    uri: url,
    multipleStatements: true,
  });
  try {
    const [rows] = await connection.query(text, values);
    return rows as R[];
  } finally {
    await connection.end();
  }
}

/** Drops the tables and procedures of the prefixes `testPrefix()` made. */
export async function dropTestTables(url = mysqlUrl): Promise<void> {
  const prefixes = created.splice(0);
  if (!url || prefixes.length === 0) return;
  const connection = await createConnection({ uri: url });
  try {
    for (const prefix of prefixes) {
      const [tables] = await connection.query(
        `SELECT table_name AS t FROM information_schema.tables
         WHERE table_schema = DATABASE() AND table_name LIKE ?`,
        [`${prefix}%`],
      );
      for (const { t } of tables as { t: string }[]) {
        await connection.query(`DROP TABLE IF EXISTS \`${t}\``);
      }
      const [procedures] = await connection.query(
        `SELECT routine_name AS r FROM information_schema.routines
         WHERE routine_schema = DATABASE() AND routine_name LIKE ?`,
        [`${prefix}%`],
      );
      for (const { r } of procedures as { r: string }[]) {
        await connection.query(`DROP PROCEDURE IF EXISTS \`${r}\``);
      }
    }
  } finally {
    await connection.end();
  }
}

export function mysqlStoreFactory(
  options: Omit<MysqlStoreOptions, 'url' | 'pool' | 'tablePrefix'> = {},
  url = mysqlUrl!,
): StoreFactory {
  return prefixedMysqlFactory(
    'mysql',
    (tablePrefix) =>
      new MysqlStore({ url, tablePrefix, poolSize: 4, ...options }),
    url,
  );
}

/**
 * A factory of the stores `make` builds, each `create()` on tables of a new prefix of its own,
 * `reopen()` on the same ones; `cleanup()` drops the test tables of the server at `url`.
 */
export function prefixedMysqlFactory(
  label: string,
  make: (tablePrefix: string) => MysqlStore,
  url = mysqlUrl!,
): StoreFactory {
  let tablePrefix = '';
  const open = async () => {
    const store = make(tablePrefix);
    await store.init();
    return store;
  };
  return {
    label,
    durable: true,
    create: () => {
      tablePrefix = testPrefix();
      return open();
    },
    reopen: open,
    cleanup: () => dropTestTables(url),
  };
}
