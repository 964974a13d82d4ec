import { MysqlStore } from '@lidex/nestjs/mysql';
import { SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import { claimNext } from '../support/claim-next';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

async function indexesOf(prefix: string): Promise<string[]> {
  const rows = await mysqlSql<{ name: string }>(
    `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY 1`,
    [`${prefix}workflows`],
  );
  return rows.map((row) => row.name);
}

/** Ends `id` (inserted at T0) as finished at `at`. */
async function finishedAt(
  store: MysqlStore,
  id: string,
  at: number,
): Promise<void> {
  await store.insertWorkflow({ id, name: 'wf', input: '1', now: T0 });
  const held = await claimNext(store, at, { token: id, until: at + MINUTE });
  expect(held?.id).toBe(id);
  expect(await store.recordFinish(id, id, { result: '1', now: at })).toBe(true);
}

/** Takes `prefix`'s tables back to version 11: the ended index on updated_at, no ended_at. */
async function backToVersion11(prefix: string): Promise<void> {
  const workflows = `\`${prefix}workflows\``;
  await mysqlSql(`DROP INDEX IF EXISTS workflows_ended_at ON ${workflows}`);
  await mysqlSql(`ALTER TABLE ${workflows} DROP COLUMN IF EXISTS ended_at`);
  await mysqlSql(
    `CREATE INDEX IF NOT EXISTS workflows_ended ON ${workflows} (status, updated_at)`,
  );
  await mysqlSql(`UPDATE \`${prefix}schema_version\` SET version = 11`);
}

describeMysql(
  'MysqlStore: the index of ended workflows is on when they ended',
  () => {
    afterAll(() => dropTestTables());

    it('upgrades tables whose ended index is on updated_at (version 11), and purges by when each workflow ended', async () => {
      const tablePrefix = testPrefix();
      const made = new MysqlStore({ url: mysqlUrl!, tablePrefix });
      await made.init();
      try {
        await finishedAt(made, 'ended-early', T0 + 100);
        await finishedAt(made, 'ended-later', T0 + 300);
      } finally {
        await made.close();
      }
      await backToVersion11(tablePrefix);

      const store = new MysqlStore({ url: mysqlUrl!, tablePrefix });
      await store.init();
      try {
        const indexes = await indexesOf(tablePrefix);
        expect(indexes).toContain('workflows_ended_at');
        expect(indexes).not.toContain('workflows_ended');
        const purge = { status: 'finished' as const, limit: 10 };
        expect(
          await store.purgeWorkflows({ ...purge, endedBefore: T0 + 200 }),
        ).toBe(1);
        expect(await store.getWorkflow('ended-early')).toBeUndefined();
        // Ended now, purged by when it ended.
        await finishedAt(store, 'ended-now', T0 + 400);
        expect(
          await store.purgeWorkflows({ ...purge, endedBefore: T0 + 400 }),
        ).toBe(1);
        expect(await store.getWorkflow('ended-later')).toBeUndefined();
        expect((await store.getWorkflow('ended-now'))?.status).toBe('finished');
      } finally {
        await store.close();
      }
      const [version] = await mysqlSql<{ version: number }>(
        `SELECT version FROM \`${tablePrefix}schema_version\``,
      );
      expect(Number(version?.version)).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(12);
    });
  },
);
