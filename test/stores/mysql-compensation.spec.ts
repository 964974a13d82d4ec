import { MysqlStore } from '@lidex/nestjs/mysql';
import type { StoredStep } from '@lidex/nestjs';
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
const lease = (token: string, until = T0 + MINUTE) => ({ token, until });
const keep = (now: number) => ({ readyAt: now + MINUTE, release: false, now });

/** The records a compensation that was retried leaves: its attempts, then its outcome. */
const attempt: StoredStep = {
  kind: 'compensation-attempt',
  id: 'compensate:pay#1',
  result: '{"ok":false,"error":{"name":"Error","message":"provider down"}}',
  startedAt: T0 + 2,
  recordedAt: T0 + 3,
};

describeMysql('MysqlStore: compensation', () => {
  const opened: MysqlStore[] = [];
  const open = async (tablePrefix: string) => {
    const store = new MysqlStore({ url: mysqlUrl!, tablePrefix });
    opened.push(store);
    await store.init();
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  afterAll(() => dropTestTables());

  it("keeps a compensation's attempt records (kind compensation-attempt) and answers them to the next claim", async () => {
    const store = await open(testPrefix());
    await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 });
    const held = await claimNext(store, T0, lease('t1'));
    expect(held?.id).toBe('a');
    expect(await store.recordStep('a', 't1', attempt, keep(T0 + 3))).toBe(true);
    expect(
      await store.releaseLease('a', 't1', { readyAt: T0, now: T0 + 4 }),
    ).toBe(true);
    const again = await claimNext(store, T0 + 5, lease('t2'));
    expect(again?.steps).toEqual([attempt]);
  });

  it('upgrades tables of version 6 (steps.kind of 16 characters, no compensation procedures), keeping their workflows; opened again, nothing changes', async () => {
    const tablePrefix = testPrefix();
    const first = await open(tablePrefix);
    await first.insertWorkflow({ id: 'kept', name: 'wf', input: '1', now: T0 });
    await first.close();
    // What version 6 made.
    await mysqlSql(
      `ALTER TABLE \`${tablePrefix}steps\` MODIFY kind VARCHAR(16) NOT NULL`,
    );
    for (const role of ['cancel_compensate', 'compensation_status'])
      await mysqlSql(`DROP PROCEDURE IF EXISTS \`${tablePrefix}${role}\``);
    await mysqlSql(`UPDATE \`${tablePrefix}schema_version\` SET version = 6`);

    for (let round = 0; round < 2; round++) {
      const store = await open(tablePrefix);
      const width = await mysqlSql<{ n: number }>(
        `SELECT CHARACTER_MAXIMUM_LENGTH AS n FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'kind'`,
        [`${tablePrefix}steps`],
      );
      expect(Number(width[0].n)).toBe(32);
      expect((await store.getWorkflow('kept'))?.status).toBe('idle');
      await store.close();
    }
    const store = await open(tablePrefix);
    const held = await claimNext(store, T0, lease('t1'));
    await store.recordStep(
      'kept',
      held!.leaseToken,
      { kind: 'compensable', id: 'pay', recordedAt: T0 },
      keep(T0),
    );
    expect(
      await store.cancelWorkflow('kept', T0 + 1, { compensate: true }),
    ).toBe(true);
    expect((await store.getWorkflow('kept'))?.status).toBe('compensating');
  });
});
