import { describeMysql } from '../support/mysql';
import { countedMysqlStore } from '../support/mysql-counted';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

describeMysql('MysqlStore: what a signal costs', () => {
  const counted = countedMysqlStore(2);
  const { sent } = counted;

  /** The statements `run` sends, and what it answered. */
  const statementsOf = async <T>(run: () => Promise<T>) => {
    sent.length = 0;
    const answer = await run();
    return { answer, statements: sent.length };
  };

  it('sends a signal, releases a wait and claims the woken workflow with its signals in one statement each', async () => {
    await counted.store.insertWorkflow({
      id: 'w',
      name: 'wf',
      input: '1',
      now: T0,
    });
    const [held] = await counted.store.claimReady(T0, [
      { token: 'a', until: T0 + MINUTE },
    ]);
    const release = await statementsOf(() =>
      counted.store.releaseLease('w', held.leaseToken, {
        now: T0 + 1,
        wait: { for: { kind: 'signal', name: 'paid' }, signalsSeen: 0 },
      }),
    );
    expect(release).toEqual({ answer: true, statements: 1 });
    const send = await statementsOf(() =>
      counted.store.sendSignal({
        workflowId: 'w',
        name: 'paid',
        payload: '{"amount":5}',
        signalId: 's1',
        now: T0 + 2,
      }),
    );
    expect(send).toEqual({ answer: 'delivered', statements: 1 });
    const claim = await statementsOf(() =>
      counted.store.claimReady(T0 + 3, [{ token: 'b', until: T0 + MINUTE }]),
    );
    expect(claim.statements).toBe(1);
    expect(claim.answer).toMatchObject([
      { id: 'w', signals: [{ seq: 1, name: 'paid', signalId: 's1' }] },
    ]);
  });
});
