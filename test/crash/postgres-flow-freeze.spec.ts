import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { LidexEngine, type Persistence } from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { recordedRun } from '../support/flow-runs';
import { describePostgres } from '../support/postgres';
import {
  processSuite,
  requireBuild,
  TEST_WORKER_ENGINE,
} from '../support/worker-processes';
import type { FlowKillOptions } from '../support/worker/flow-kill-workflows';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import { within } from '../support/within';

/*
 * A worker SIGSTOPped inside a limited claim on PostgreSQL: its transaction holds the schema's
 * flow lock, which every limited claim takes first. The server ends that session once it has
 * been idle for a lease (`flowIdleLimitMs`), so another worker claims and finishes workflows
 * while the first stays frozen; woken, the first goes on working. Before, every limited claim of
 * the schema waited for the frozen process, for as long as it stayed frozen.
 */
requireBuild();

const BOUND_MS = 20_000;
const LEASE_MS = 1_500;
const COUNT = 300;
const bounded = <T>(what: string, work: Promise<T>): Promise<T> =>
  within(BOUND_MS, what, work);
const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

const suite = processSuite('lidex-pg-flow-freeze-');
const shared = suite.stores.find((store) => store.label === 'PostgreSQL');

describePostgres('a worker frozen inside a limited claim on PostgreSQL', () => {
  let store: Persistence;
  let client: LidexEngine;
  let admin: Client;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    store = shared!.open();
    await store.init();
    client = new LidexEngine({ store, clientOnly: true, handlers: {} });
    admin = new Client({
      connectionString: process.env.LIDEX_TEST_POSTGRES_URL,
    });
    await admin.connect();
  });

  afterEach(async () => {
    for (const worker of workers) worker.resume();
    await Promise.all(workers.map((worker) => bounded('kill', worker.kill())));
    workers.length = 0;
  });

  afterAll(async () => {
    await admin?.end();
    await client?.close();
  });

  const worker = async (options: FlowKillOptions): Promise<WorkerProcess> => {
    const started = WorkerProcess.launch({
      store: shared!.spec,
      engine: { ...TEST_WORKER_ENGINE, timeoutIntervalMs: LEASE_MS },
      workflows: { module: builtHarness('flow-kill-workflows.js'), options },
    });
    workers.push(started);
    await bounded(
      'worker ready',
      started.until(() => started.ready),
    );
    return started;
  };

  /** The sessions of this database that hold an advisory lock while idle in their transaction. */
  const lockHeldIdle = async (): Promise<number[]> => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted
         AND a.state = 'idle in transaction' AND a.datname = current_database()`,
    );
    return rows.map((row) => row.pid);
  };

  const sessionsLeft = async (pids: number[]): Promise<number> => {
    const { rows } = await admin.query(
      'SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])',
      [pids],
    );
    return rows.length;
  };

  const ids = Array.from({ length: COUNT }, (_, i) => `fz-${i}`);

  /** How many workflows the process `pid` recorded its step for. */
  const recordedBy = async (pid: number): Promise<number> => {
    let n = 0;
    for (const id of ids) if ((await recordedRun(store, id))?.pid === pid) n++;
    return n;
  };

  it('lets another worker claim while the frozen one holds the flow lock, and the frozen one works on once woken', async () => {
    const log = join(suite.dir, 'freeze.jsonl');
    writeFileSync(log, '');
    const options: FlowKillOptions = {
      log,
      flow: { concurrency: { limit: 2, perKey: 1 } },
    };
    await Promise.all(
      ids.map((id, i) =>
        client.start(id, 'job', { stepMs: 1 }, { concurrencyKey: `k${i % 8}` }),
      ),
    );
    const first = await worker(options);
    // Freezes it at random points until it is stopped inside a claim that holds the lock.
    let caught: number[] = [];
    let attempts = 0;
    for (; attempts < 200 && caught.length === 0; attempts++) {
      first.pause();
      await sleep(50);
      caught = await lockHeldIdle();
      if (caught.length === 0) {
        first.resume();
        await sleep(Math.random() * 30);
      }
    }
    expect(caught).toHaveLength(1);

    const frozenAt = Date.now();
    const second = await worker(options);
    // Before the fix: nothing, for as long as the first stayed frozen.
    await eventually(
      async () => (await recordedBy(second.pid)) >= 3,
      BOUND_MS,
      'workflows finished by the second worker while the first is frozen in its claim',
    );
    const secondRanMs = Date.now() - frozenAt;
    // The server ended the frozen claim's session (its transaction, its lock).
    expect(await sessionsLeft(caught)).toBe(0);
    reportFigures('postgres-flow-freeze', { attempts, secondRanMs });

    first.resume();
    const before = await recordedBy(first.pid);
    await eventually(
      async () => (await recordedBy(first.pid)) > before,
      BOUND_MS,
      'a workflow finished by the woken worker',
    );
    expect(first.child.exitCode).toBeNull();
    for (const id of ids)
      expect(await bounded(id, client.wait(id, { timeoutMs: BOUND_MS }))).toBe(
        'finished',
      );
    expect(
      (await store.leasedCounts!(['job'])).reduce((n, c) => n + c.leased, 0),
    ).toBe(0);
  }, 120_000);
});
