import { createConnection } from 'mysql2/promise';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { eventually } from '../support/eventually';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

const url = mysqlUrl!;

describeMysql('MysqlStore: its pool', () => {
  afterAll(() => dropTestTables());

  it('lets a burst larger than the pool wait its turn, however long past connectTimeoutMs', async () => {
    const tablePrefix = testPrefix();
    const connectTimeoutMs = 1_000;
    const store = new MysqlStore({
      url,
      tablePrefix,
      poolSize: 1,
      connectTimeoutMs,
    });
    await store.init();
    // Another session holds the table: the pool's one connection waits on it, and the rest of
    // the burst waits for that connection, three times longer than the connect timeout.
    const other = await createConnection({ uri: url });
    try {
      await other.query(`LOCK TABLES \`${tablePrefix}workflows\` WRITE`);
      const burst = Promise.allSettled(
        Array.from({ length: 20 }, (_, n) => store.getWorkflow(`w${n}`)),
      );
      await eventually(
        async () =>
          (
            await mysqlSql<{ n: number }>(
              `SELECT count(*) AS n FROM information_schema.processlist
                WHERE state LIKE 'Waiting for table%' AND info LIKE ?`,
              [`%${tablePrefix}%`],
            )
          )[0].n > 0,
        10_000,
        'the first read waiting for the table',
      );
      await new Promise((resolve) => setTimeout(resolve, 3 * connectTimeoutMs));
      await other.query('UNLOCK TABLES');
      const settled = await burst;
      expect(settled.filter(({ status }) => status === 'rejected')).toEqual([]);
      expect(settled).toHaveLength(20);
    } finally {
      await other.end();
      await store.close();
    }
  });
});
