import { makeEngine } from '../support/engine-harness';
import { costHandlers as handlers, oneAtATime } from '../support/one-at-a-time';
import { describeMysql } from '../support/mysql';
import { countedMysqlStore } from '../support/mysql-counted';

/** Workflows run one at a time in each count: enough that one stray statement per run shows. */
const WORKFLOWS = 20;
/** No timed poll falls inside a count: what is left is what the workflows cost. */
const POLL_INTERVAL_MS = 600_000;

describeMysql('MysqlStore: what a workflow costs the database', () => {
  // Every statement the store sends on its pool is one round trip (`sent`).
  const counted = countedMysqlStore(4);
  const { sent } = counted;

  it('a 3-step workflow started where it runs takes 4 round trips: its leased insert, one call for each of its first two steps, its finish with the last (no claim)', async () => {
    const { store } = counted;
    const run = oneAtATime(store);
    const { engine } = makeEngine(handlers, {
      store,
      pollIntervalMs: POLL_INTERVAL_MS,
    });
    const runOneAtATime = async (
      name: keyof typeof handlers,
      prefix: string,
    ) => {
      await run(engine, name, prefix, WORKFLOWS);
      // Whatever a run's end sets off is sent by now.
      await new Promise((resolve) => setTimeout(resolve, 200));
    };
    // Past the worker's first claim.
    await runOneAtATime('threeSteps', 'warm');
    await runOneAtATime('noSteps', 'warm-none');

    /** The statements sent while `name` runs, by what they are: a procedure's name, or a verb. */
    const count = async (name: keyof typeof handlers, prefix: string) => {
      const from = sent.length;
      await runOneAtATime(name, prefix);
      const byName: Record<string, number> = {};
      for (const statement of sent.slice(from)) {
        const call = /^\s*CALL\s+`?\w+?_(\w+)`?\s*\(/i.exec(statement);
        const short = call
          ? call[1]
          : statement.trim().split(/\s+/)[0].toUpperCase();
        byName[short] = (byName[short] ?? 0) + 1;
      }
      return byName;
    };
    const three = await count('threeSteps', 'three');
    const none = await count('noSteps', 'none');

    // The last step goes with the finish: `finish_step` (schema 15), where it was a `step` call
    // of its own and then a `finish` (5 round trips).
    expect(three).toEqual({
      INSERT: WORKFLOWS,
      step: 2 * WORKFLOWS,
      finish_step: WORKFLOWS,
    });
    expect(none).toEqual({ INSERT: WORKFLOWS, finish: WORKFLOWS });
    const total = (byName: Record<string, number>) =>
      Object.values(byName).reduce((sum, n) => sum + n, 0);
    expect(total(three) / WORKFLOWS).toBe(4);
    // What a step adds: one call (the fenced step write), none for the last one, written with the
    // finish; and every step is recorded.
    expect((total(three) - total(none)) / WORKFLOWS).toBe(2);
    const last = await store.getWorkflow(`three${WORKFLOWS - 1}`);
    expect(last?.steps.map((step) => step.id)).toEqual(['a', 'b', 'c']);
  });
});
