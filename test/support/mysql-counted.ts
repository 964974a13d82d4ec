import { createPool, type Pool } from 'mysql2/promise';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { dropTestTables, mysqlUrl, testPrefix } from './mysql';

/**
 * For a MySQL suite that counts statements: a store on the app's pool, as the store sees it,
 * with every statement it sends written down in `sent` (the migration runs on a connection of
 * its own, not counted). Opened before the suite's tests, closed and dropped after them.
 */
export function countedMysqlStore(connectionLimit: number): {
  readonly store: MysqlStore;
  sent: string[];
} {
  let pool: Pool | undefined;
  let store: MysqlStore | undefined;
  const sent: string[] = [];

  beforeAll(async () => {
    const opened = createPool({ uri: mysqlUrl!, connectionLimit });
    pool = opened;
    const counted = {
      getConnection: () => opened.getConnection(),
      query: (sql: string, values?: unknown[]) => {
        sent.push(sql);
        return opened.query(sql, values);
      },
    };
    store = new MysqlStore({
      pool: counted as unknown as Pool,
      tablePrefix: testPrefix(),
    });
    await store.init();
  });

  afterAll(async () => {
    await store?.close();
    await pool?.end();
    await dropTestTables();
  });

  return {
    get store() {
      return store!;
    },
    sent,
  };
}
