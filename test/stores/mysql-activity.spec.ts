import { MysqlStore } from '@lidex/nestjs/mysql';
import {
  activitySql,
  activityValues,
} from '../../lib/stores/mysql/mysql.activity';
import { SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

const MINUTE = 60_000;
const NOW = 1_800_000_000_000;
const HOUR = 60 * MINUTE;
/** Finished workflows from before the charted hour (more with LIDEX_ACTIVITY_OLD). */
const OLD = Number(process.env.LIDEX_ACTIVITY_OLD ?? 20_000);

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
    const old = NOW - 3 * HOUR;
    await mysqlSql(
      `INSERT INTO \`${prefix}workflows\`
        (id_key, id, name, status, input, created_at, updated_at)
       SELECT UNHEX(SHA2(CONCAT('old-', i), 256)), CONCAT('old-', i), 'wf', 'finished', '1',
         ? + i, ? + i + 500
       FROM (${NUMBERS}) n WHERE i < ?`,
      [old, old, OLD],
    );
    await mysqlSql(
      `INSERT INTO \`${prefix}steps\`
        (workflow_key, kind, step_key, step_id, result, started_at, recorded_at)
       SELECT UNHEX(SHA2(CONCAT('old-', i), 256)), 'step', UNHEX(SHA2(s.s, 256)), s.s, '1',
         ? + i + s.s * 100, ? + i + s.s * 100 + 40
       FROM (${NUMBERS}) n, (SELECT '1' s UNION ALL SELECT '2' UNION ALL SELECT '3') s
       WHERE i < ?`,
      [old, old, OLD],
    );
    // One workflow of the hour, finished, with two steps.
    await store.insertWorkflow({
      id: 'new',
      name: 'wf',
      input: '1',
      now: NOW - 10 * MINUTE,
    });
    const [claimed] = await store.claimReady(NOW - 10 * MINUTE, [
      { token: 't', until: NOW },
    ]);
    for (const [id, ms] of [
      ['a', 30],
      ['b', 90],
    ] as const) {
      const recordedAt = NOW - 9 * MINUTE + ms;
      await store.recordStep(
        'new',
        claimed.leaseToken,
        {
          kind: 'step',
          id,
          result: '1',
          startedAt: recordedAt - ms,
          recordedAt,
        },
        { readyAt: NOW, release: false, now: recordedAt },
      );
    }
    await store.recordFinish('new', claimed.leaseToken, {
      result: '1',
      now: NOW - 8 * MINUTE,
    });
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
    const buckets = await store.activity({
      since: NOW - HOUR,
      until: NOW,
      bucketMs: MINUTE,
    });
    const sum = (key: 'created' | 'ended' | 'finished' | 'steps') =>
      buckets.reduce((total, b) => total + b[key], 0);
    expect([
      sum('created'),
      sum('ended'),
      sum('finished'),
      sum('steps'),
    ]).toEqual([1, 1, 1, 2]);
    expect(buckets[51]).toMatchObject({
      steps: 2,
      stepMsTotal: 120,
      stepMsMax: 90,
    });
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
      `${prefix}workflows range workflows_ended`,
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
