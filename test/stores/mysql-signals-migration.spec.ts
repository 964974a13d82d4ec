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
import { madeWithWorkflow } from '../support/old-schema';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

/**
 * Takes `prefix`'s tables back to what version 3 made: no signals, parents, trace context or
 * flow control.
 */
async function backToVersion3(prefix: string): Promise<void> {
  const workflows = `\`${prefix}workflows\``;
  await mysqlSql(`DROP TABLE \`${prefix}signals\`, \`${prefix}flow_lock\``);
  for (const index of [
    'workflows_waiting',
    'workflows_priority_ready',
    'workflows_leased',
    'workflows_leased_key',
    'workflows_first_claims',
    'workflows_key_first_claims',
  ])
    await mysqlSql(`DROP INDEX ${index} ON ${workflows}`);
  for (const column of [
    'ready_priority',
    'priority',
    'concurrency_key',
    'first_claimed_at',
    'signal_count',
    'waiting_for',
    'waiting_kind',
    'parent',
    'trace_context',
  ])
    await mysqlSql(`ALTER TABLE ${workflows} DROP COLUMN ${column}`);
  await mysqlSql(`UPDATE \`${prefix}schema_version\` SET version = 3`);
}

describeMysql('MysqlStore: tables made before signals (version 3)', () => {
  afterAll(() => dropTestTables());

  it('gain the signals table, the flow columns and their indexes when opened, keeping their workflows; opened again, nothing is added twice', async () => {
    const tablePrefix = testPrefix();
    await madeWithWorkflow(
      new MysqlStore({ url: mysqlUrl!, tablePrefix }),
      'kept',
      T0,
    );
    await backToVersion3(tablePrefix);

    const store = new MysqlStore({ url: mysqlUrl!, tablePrefix });
    await store.init();
    try {
      const signal = {
        workflowId: 'kept',
        name: 'paid',
        payload: '1',
        signalId: 's1',
        now: T0 + 1,
      };
      expect(await store.sendSignal(signal)).toBe('delivered');
      await store.insertWorkflow({
        id: 'child',
        name: 'wf',
        input: '1',
        now: T0 + 2,
        parent: { workflowId: 'kept', parentClose: 'abandon' },
      });
      await store.insertWorkflow({
        id: 'urgent',
        name: 'wf',
        input: '1',
        now: T0 + 3,
        priority: 5,
      });
      const [first] = await store.claimReady(
        T0 + 5,
        [{ token: 'u', until: T0 + MINUTE }],
        undefined,
        { limits: new Map([['wf', { concurrency: 2 }]]) },
      );
      expect(first).toMatchObject({ id: 'urgent' });
      const claimed = await claimNext(store, T0 + 5, {
        token: 't',
        until: T0 + MINUTE,
      });
      expect(claimed).toMatchObject({ id: 'kept', signals: [{ seq: 1 }] });
      expect((await store.getWorkflow('child'))?.parent).toEqual({
        workflowId: 'kept',
        parentClose: 'abandon',
      });
    } finally {
      await store.close();
    }

    // The migration run again over current tables (as by an instance that read the old version
    // before another upgraded them) changes nothing and fails nothing.
    await mysqlSql(`UPDATE \`${tablePrefix}schema_version\` SET version = 3`);
    const again = new MysqlStore({ url: mysqlUrl!, tablePrefix });
    await again.init();
    try {
      expect(
        await mysqlSql(`SELECT version FROM \`${tablePrefix}schema_version\``),
      ).toEqual([{ version: SCHEMA_VERSION }]);
      expect((await again.getWorkflow('kept'))?.signals).toHaveLength(1);
      const indexes = await mysqlSql<{ columns: string }>(
        `SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
         FROM information_schema.statistics WHERE table_schema = DATABASE()
           AND table_name = ? AND index_name = 'workflows_waiting'`,
        [`${tablePrefix}workflows`],
      );
      expect(indexes).toEqual([{ columns: 'waiting_kind,created_at,id' }]);
      expect((await again.getWorkflow('urgent'))?.priority).toBe(5);
    } finally {
      await again.close();
    }
  });
});
