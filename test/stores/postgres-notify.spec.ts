import { Pool } from 'pg';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { eventually } from '../support/eventually';
import { makeEngine } from '../support/engine-harness';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  testSchema,
} from '../support/postgres';

const url = postgresUrl!;

// An idle worker learns of work started elsewhere through LISTEN/NOTIFY, and polls the table
// only every pollIntervalMs.
describePostgres('PostgresStore across instances', () => {
  afterAll(() => dropTestSchemas());

  it('tells without a query whether another instance made work ready since it last asked', async () => {
    const schema = testSchema();
    const here = new PostgresStore({ url, schema });
    const there = new PostgresStore({ url, schema });
    await here.init();
    await there.init();
    expect(here.hasForeignWrites()).toBe(false);
    await there.insertWorkflow({
      id: 'theirs',
      name: 'wf',
      input: '1',
      now: 1,
    });
    await eventually(() => here.hasForeignWrites(), 5_000, 'a notification');
    expect(here.hasForeignWrites()).toBe(false);
    // A workflow created already claimed (started where it runs) is nobody else's news.
    await there.insertWorkflow(
      { id: 'leased', name: 'wf', input: '1', now: 1 },
      { token: 't', until: 2 },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(here.hasForeignWrites()).toBe(false);
    await here.close();
    await there.close();
  });

  it('lets an idle worker run a workflow started by another instance at once, not at its next poll', async () => {
    const schema = testSchema();
    const workerStore = new PostgresStore({ url, schema });
    const clientStore = new PostgresStore({ url, schema });
    await workerStore.init();
    await clientStore.init();
    const worker = makeEngine(
      { wf: async () => 'done' },
      { store: workerStore, pollIntervalMs: 600_000 },
    );
    const client = makeEngine(
      { wf: async () => 'done' },
      { store: clientStore, worker: false },
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is idle now
    const started = Date.now();
    await client.engine.start('w', 'wf', null);
    expect(await client.engine.wait('w', { timeoutMs: 20_000 })).toBe(
      'finished',
    );
    // Generous for a loaded machine; a poll would take ten minutes.
    expect(Date.now() - started).toBeLessThan(5_000);
    await worker.engine.stopWorker();
    await workerStore.close();
    await clientStore.close();
  });

  it('sends no more than one query per pollIntervalMs while idle', async () => {
    const pool = new Pool({ connectionString: url, max: 2 });
    const sentAt: number[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: typeof query }).query = (...args) => {
      sentAt.push(performance.now());
      return query(...args);
    };
    const store = new PostgresStore({ pool, schema: testSchema() });
    await store.init();
    const pollIntervalMs = 500;
    const worker = makeEngine(
      { wf: async () => 'done' },
      { store, pollIntervalMs },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const from = sentAt.length;
    const idleMs = 5_000;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const idle = sentAt.slice(from);
    await worker.engine.stopWorker();
    await store.close();
    await pool.end();
    // Every query at least pollIntervalMs after the one before: one per interval, never a burst.
    const gaps = idle.slice(1).map((at, i) => Math.round(at - idle[i]));
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(idle.length).toBeLessThanOrEqual(idleMs / pollIntervalMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(pollIntervalMs);
  });
});
