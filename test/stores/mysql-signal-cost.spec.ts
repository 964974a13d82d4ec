import { createPool, type Pool } from 'mysql2/promise';
import { MysqlStore } from '@lidex/nestjs/mysql';
import {
  describeMysql,
  dropTestTables,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

describeMysql('MysqlStore: what a signal costs', () => {
  let pool: Pool;
  let store: MysqlStore;
  const sent: string[] = [];

  beforeAll(async () => {
    pool = createPool({ uri: mysqlUrl!, connectionLimit: 2 });
    // The app's pool, as the store sees it, with every statement the store sends written down
    // (the migration runs on a connection of its own, not counted).
    const counted = {
      getConnection: () => pool.getConnection(),
      query: (sql: string, values?: unknown[]) => {
        sent.push(sql);
        return pool.query(sql, values);
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

  /** The statements `run` sends, and what it answered. */
  const statementsOf = async <T>(run: () => Promise<T>) => {
    sent.length = 0;
    const answer = await run();
    return { answer, statements: sent.length };
  };

  it('sends a signal, releases a wait and claims the woken workflow with its signals in one statement each', async () => {
    await store.insertWorkflow({ id: 'w', name: 'wf', input: '1', now: T0 });
    const [held] = await store.claimReady(T0, [
      { token: 'a', until: T0 + MINUTE },
    ]);
    const release = await statementsOf(() =>
      store.releaseLease('w', held.leaseToken, {
        now: T0 + 1,
        wait: { for: { kind: 'signal', name: 'paid' }, signalsSeen: 0 },
      }),
    );
    expect(release).toEqual({ answer: true, statements: 1 });
    const send = await statementsOf(() =>
      store.sendSignal({
        workflowId: 'w',
        name: 'paid',
        payload: '{"amount":5}',
        signalId: 's1',
        now: T0 + 2,
      }),
    );
    expect(send).toEqual({ answer: 'delivered', statements: 1 });
    const claim = await statementsOf(() =>
      store.claimReady(T0 + 3, [{ token: 'b', until: T0 + MINUTE }]),
    );
    expect(claim.statements).toBe(1);
    expect(claim.answer).toMatchObject([
      { id: 'w', signals: [{ seq: 1, name: 'paid', signalId: 's1' }] },
    ]);
  });
});
