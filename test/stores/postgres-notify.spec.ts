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
    expect(here.hasForeignWrites!()).toBe(false);
    await there.insertWorkflow({
      id: 'theirs',
      name: 'wf',
      input: '1',
      now: 1,
    });
    await eventually(() => here.hasForeignWrites!(), 5_000, 'a notification');
    expect(here.hasForeignWrites!()).toBe(false);
    // A workflow created already claimed (started where it runs) is nobody else's news.
    await there.insertWorkflow(
      { id: 'leased', name: 'wf', input: '1', now: 1 },
      { token: 't', until: 2 },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(here.hasForeignWrites!()).toBe(false);
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

  it('sends no more than one query per pollIntervalMs while idle: its claims, nothing else (no schedules)', async () => {
    const pool = new Pool({ connectionString: url, max: 2 });
    const sent: { at: number; name: string }[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as unknown as { query: typeof query }).query = (...args) => {
      const config = args[0] as { name?: string } | string;
      sent.push({
        at: performance.now(),
        name: typeof config === 'string' ? config : (config.name ?? ''),
      });
      return query(...args);
    };
    const schema = testSchema();
    const store = new PostgresStore({ pool, schema });
    await store.init();
    const pollIntervalMs = 500;
    const worker = makeEngine(
      { wf: async () => 'done' },
      { store, pollIntervalMs },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const from = sent.length;
    const idleMs = 5_000;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const idle = sent.slice(from);
    await worker.engine.stopWorker();
    await store.close();
    await pool.end();
    // Every query at least pollIntervalMs after the one before: one per interval, never a burst.
    // With no schedules, the schedule ticker sends nothing: it lists them again when this
    // worker hears of a write elsewhere (a schedule saved there notifies), not every 5 s.
    // Claims by priority, or now and then by age alone (claim_oldest).
    const claim = new RegExp(`^lidex_${schema}_claim(_oldest)?$`);
    expect(
      idle.map(({ name }) => name).filter((name) => !claim.test(name)),
    ).toEqual([]);
    const gaps = idle.slice(1).map(({ at }, i) => Math.round(at - idle[i].at));
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(pollIntervalMs);
    expect(idle.length).toBeLessThanOrEqual(idleMs / pollIntervalMs + 1);
  });

  it('runs the ticks of a schedule created by another instance while it had none', async () => {
    const schema = testSchema();
    const workerStore = new PostgresStore({ url, schema });
    const clientStore = new PostgresStore({ url, schema });
    await workerStore.init();
    await clientStore.init();
    let ticks = 0;
    const tick = async () => {
      ticks += 1;
      return 'ticked';
    };
    const worker = makeEngine(
      { tick },
      { store: workerStore, pollIntervalMs: 500 },
    );
    const client = makeEngine({ tick }, { store: clientStore, worker: false });
    await new Promise((resolve) => setTimeout(resolve, 300)); // idle, no schedules
    await client.engine.schedules.create('every-second', {
      workflow: 'tick',
      every: 1_000,
    });
    // Read again within SCHEDULE_REFRESH_MS of the save's notification; generous under load.
    await eventually(() => ticks >= 2, 20_000, 'two ticks run by the worker');
    await worker.engine.stopWorker();
    await workerStore.close();
    await clientStore.close();
  });
});
