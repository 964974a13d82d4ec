import { Pool } from 'pg';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { makeEngine } from '../support/engine-harness';
import { costHandlers as handlers, oneAtATime } from '../support/one-at-a-time';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  testSchema,
} from '../support/postgres';

/** Workflows run one at a time in each count: enough that one stray query per run shows. */
const WORKFLOWS = 20;
/** No timed poll falls inside a count: what is left is what the workflows cost. */
const POLL_INTERVAL_MS = 600_000;
/** A store whose every query is recorded by statement name (one `pool.query` is one round trip). */
async function countedStore() {
  const pool = new Pool({ connectionString: postgresUrl, max: 4 });
  const sent: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
    const config = args[0] as { name?: string } | string;
    sent.push(typeof config === 'string' ? config : (config.name ?? ''));
    return query(...args);
  };
  const schema = testSchema();
  const store = new PostgresStore({ pool, schema });
  await store.init();
  return { pool, store, schema, sent };
}

describePostgres('PostgresStore: what a workflow costs the database', () => {
  let opened: Awaited<ReturnType<typeof countedStore>> | undefined;

  afterEach(async () => {
    // The harness stops the worker; the store and its pool are closed here, failed or not.
    await opened?.store.close();
    await opened?.pool.end();
    opened = undefined;
    await dropTestSchemas();
  });

  it('a 3-step workflow started where it runs takes 4 round trips: its leased insert, one statement for each of its first two steps, its finish with the last (no claim)', async () => {
    opened = await countedStore();
    const { store, schema, sent } = opened;
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
    // Past the worker's first claim, and the first use of each statement.
    await runOneAtATime('threeSteps', 'warm');
    await runOneAtATime('noSteps', 'warm-none');

    const count = async (name: keyof typeof handlers, prefix: string) => {
      const from = sent.length;
      await runOneAtATime(name, prefix);
      const byName: Record<string, number> = {};
      for (const statement of sent.slice(from)) {
        const short = statement.replace(`lidex_${schema}_`, '');
        byName[short] = (byName[short] ?? 0) + 1;
      }
      return byName;
    };
    const three = await count('threeSteps', 'three');
    const none = await count('noSteps', 'none');

    expect(three).toEqual({
      insert_leased: WORKFLOWS,
      record_step: 2 * WORKFLOWS,
      finish: WORKFLOWS,
    });
    expect(none).toEqual({ insert_leased: WORKFLOWS, finish: WORKFLOWS });
    const total = (byName: Record<string, number>) =>
      Object.values(byName).reduce((sum, n) => sum + n, 0);
    expect(total(three) / WORKFLOWS).toBe(4);
    // What a step adds: one statement (the fenced step write), none for the last one, written with
    // the finish; and every step is recorded.
    expect((total(three) - total(none)) / WORKFLOWS).toBe(2);
    const last = await store.getWorkflow(`three${WORKFLOWS - 1}`);
    expect(last?.steps.map((step) => step.id)).toEqual(['a', 'b', 'c']);
  });
});
