import { MysqlStore } from '@lidex/nestjs/mysql';
import {
  activitySql,
  activityValues,
} from '../../lib/stores/mysql/mysql.activity';
import { SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import {
  expectOnlyTheHourCounted,
  HOUR,
  MINUTE,
  NOW,
  OLD,
  OLD_AT,
  recordHourWorkflow,
} from '../support/activity-hour';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

interface ExplainRow {
  table: string | null;
  type: string | null;
  key: string | null;
}

/** 0 .. 99,999 from five cross-joined digit tables (no recursive CTE limit to raise). */
const DIGITS = `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
  UNION ALL SELECT 8 UNION ALL SELECT 9)`;
const NUMBERS = `SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS i
  FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e, ${DIGITS} f`;

// The dashboard refreshes its charts from `activity` every few seconds: on tables that keep
// many finished workflows, it reads the last hour's rows through index ranges, never a whole table.
describeMysql('MysqlStore activity', () => {
  let store: MysqlStore;
  let prefix: string;

  beforeAll(async () => {
    prefix = testPrefix();
    store = new MysqlStore({
      url: mysqlUrl!,
      tablePrefix: prefix,
      poolSize: 2,
    });
    await store.init();
    await mysqlSql(
      `INSERT INTO \`${prefix}workflows\`
        (id_key, id, name, status, input, created_at, updated_at, ended_at)
       SELECT UNHEX(SHA2(CONCAT('old-', i), 256)), CONCAT('old-', i), 'wf', 'finished', '1',
         ? + i, ? + i + 500, ? + i + 500
       FROM (${NUMBERS}) n WHERE i < ?`,
      [OLD_AT, OLD_AT, OLD_AT, OLD],
    );
    await mysqlSql(
      `INSERT INTO \`${prefix}steps\`
        (workflow_key, kind, step_key, step_id, result, started_at, recorded_at)
       SELECT UNHEX(SHA2(CONCAT('old-', i), 256)), 'step', UNHEX(SHA2(s.s, 256)), s.s, '1',
         ? + i + s.s * 100, ? + i + s.s * 100 + 40
       FROM (${NUMBERS}) n, (SELECT '1' s UNION ALL SELECT '2' UNION ALL SELECT '3') s
       WHERE i < ?`,
      [OLD_AT, OLD_AT, OLD],
    );
    await recordHourWorkflow(store);
    await mysqlSql(`ANALYZE TABLE \`${prefix}workflows\`, \`${prefix}steps\``);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await dropTestTables();
  });

  it('counts only the hour, with finished workflows from before it left unread', async () => {
    const [{ n }] = await mysqlSql<{ n: number }>(
      `SELECT COUNT(*) AS n FROM \`${prefix}workflows\``,
    );
    expect(Number(n)).toBe(OLD + 1);
    await expectOnlyTheHourCounted(store);
  });

  it('plans index ranges of the window for all three reads, no full table or index scan', async () => {
    const query = { since: NOW - HOUR, until: NOW, bucketMs: MINUTE };
    const plan = await mysqlSql<ExplainRow>(
      `EXPLAIN ${activitySql(prefix)}`,
      activityValues(query),
    );
    const reads = plan
      .filter((row) => row.table?.startsWith(prefix))
      .map((row) => `${row.table} ${row.type} ${row.key}`);
    expect(reads).toEqual([
      `${prefix}workflows range workflows_newest`,
      `${prefix}workflows range workflows_ended_at`,
      `${prefix}steps range steps_recorded`,
    ]);
  });

  it('adds its index to a database of the previous schema version', async () => {
    const older = testPrefix();
    const first = new MysqlStore({ url: mysqlUrl!, tablePrefix: older });
    await first.init();
    await first.close();
    await mysqlSql(`DROP INDEX steps_recorded ON \`${older}steps\``);
    await mysqlSql(
      `UPDATE \`${older}schema_version\` SET version = ${SCHEMA_VERSION - 1}`,
    );
    const upgraded = new MysqlStore({ url: mysqlUrl!, tablePrefix: older });
    try {
      await upgraded.init();
      const indexes = await mysqlSql<{ name: string }>(
        `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'steps_recorded'`,
        [`${older}steps`],
      );
      expect(indexes).toEqual([{ name: 'steps_recorded' }]);
      expect(
        await mysqlSql(`SELECT version FROM \`${older}schema_version\``),
      ).toEqual([{ version: SCHEMA_VERSION }]);
    } finally {
      await upgraded.close();
    }
  });
});
