import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LidexEngine } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';
import { within } from '../support/within';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import type { WorkerStats } from '../support/worker/protocol';

/** The figure: 10,000 parked workflows cost the worker process < 50 MB of RSS. */
const PARKED = 10_000;
const RSS_BOUND_MB = 50;

/**
 * Bytes each run keeps in a module-level array (0: none). Set it to see the bound fail:
 * `LIDEX_RSS_KEEP_BYTES=5120 npx jest test/horizons/worker-rss.spec.ts`.
 */
const KEEP_BYTES = Number(process.env.LIDEX_RSS_KEEP_BYTES ?? 0);

/** Lets the worker finish releasing its last runs (and the allocator settle) before a reading. */
const SETTLE_MS = 1_000;

/** Between the two collections of a reading: the pages the first freed go back to the system. */
const COLLECTED_MS = 500;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Scenario {
  /** The figures' name (`reportFigures`). */
  name: string;
  /** The workflow of `parked-workflows.ts`. */
  workflow: 'waiter' | 'nap';
  /** How many of them the store shows parked. */
  parkedSql: string;
  /** Once measured: that a parked workflow still wakes in the worker when it should. */
  wakeOne?: (client: LidexEngine, id: string) => Promise<void>;
}

/**
 * One worker process, as an app instance runs it (SQLite, its own process, `--expose-gc` so that
 * its readings follow a full collection), and a client in this process on the same file that
 * starts `PARKED` workflows it parks. Answers the worker's readings idle and once all are parked.
 *
 * The baseline is the worker idle (ready and polling, before its first workflow), not after a
 * warm-up: the stricter of the two, since it also charges to the workflows what a fresh process
 * takes for its first runs (compiled code, the allocator's first arenas), and it is what a user
 * sees, from an app started to one holding 10,000 parked workflows.
 */
async function parkedWorker(
  dir: string,
  { workflow, parkedSql, wakeOne }: Scenario,
): Promise<{ idle: WorkerStats; parked: WorkerStats; seconds: number }> {
  const path = join(dir, `${workflow}.sqlite`);
  const store = new SqliteStore({ path, durability: 'normal' });
  await store.init();
  const client = new LidexEngine({ store, clientOnly: true, handlers: {} });
  const probe = new Database(path, { readonly: true });
  const parkedNow = () => (probe.prepare(parkedSql).get() as { n: number }).n;
  const worker = WorkerProcess.launch(
    {
      store: { sqlite: path, durability: 'normal' },
      engine: { concurrency: 200, pollIntervalMs: 20 },
      workflows: {
        module: builtHarness('parked-workflows.js'),
        options: { keepBytesPerRun: KEEP_BYTES },
      },
    },
    { execArgv: ['--expose-gc'] },
  );
  try {
    await within(
      20_000,
      'the worker process polling',
      worker.until(() => worker.ready),
    );
    await pause(SETTLE_MS);
    const idle = await within(5_000, 'idle stats', worker.stats(COLLECTED_MS));
    const began = Date.now();
    for (let i = 0; i < PARKED; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          client.start(`${workflow}-${i + j}`, workflow, null),
        ),
      );
    }
    await eventually(
      () => parkedNow() === PARKED,
      45_000,
      `${PARKED} ${workflow} workflows parked`,
    );
    const seconds = (Date.now() - began) / 1000;
    await pause(SETTLE_MS);
    const parked = await within(
      5_000,
      'parked stats',
      worker.stats(COLLECTED_MS),
    );
    await wakeOne?.(client, `${workflow}-1234`);
    return { idle, parked, seconds };
  } finally {
    await worker.stop();
    probe.close();
    await client.close();
  }
}

describe('the worker process of 10,000 parked workflows', () => {
  const dir = tempDir('lidex-worker-rss-');
  afterAll(() => dir.remove());

  it.each<[string, Scenario]>([
    [
      'waiting for signals',
      {
        name: 'worker-rss waiters',
        workflow: 'waiter',
        parkedSql: `SELECT count(*) AS n FROM lidex_workflows WHERE waiting_kind = 'signal'`,
        wakeOne: async (client, id) => {
          expect(await client.signal(id, 'go', 7)).toBe(true);
          expect(await client.wait(id, { timeoutMs: 10_000 })).toBe('finished');
          expect((await client.get(id))?.result).toBe(7);
        },
      },
    ],
    [
      'asleep for an hour',
      {
        name: 'worker-rss sleepers',
        workflow: 'nap',
        parkedSql: `SELECT count(*) AS n FROM lidex_steps WHERE kind = 'sleep'`,
      },
    ],
  ])(
    'holds no timer per workflow and < 50 MB more RSS: %s',
    async (_label, scenario) => {
      const { idle, parked, seconds } = await parkedWorker(dir.path, scenario);
      const rssGrowthMb = mb(parked.rssBytes - idle.rssBytes);
      reportFigures(scenario.name, {
        parked: PARKED,
        keepBytesPerRun: KEEP_BYTES,
        idleRssMb: mb(idle.rssBytes),
        parkedRssMb: mb(parked.rssBytes),
        rssGrowthMb,
        heapGrowthMb: mb(parked.heapUsedBytes - idle.heapUsedBytes),
        heapTotalGrowthMb: mb(
          (parked.heapTotalBytes ?? 0) - (idle.heapTotalBytes ?? 0),
        ),
        timersIdle: idle.timers,
        timersParked: parked.timers,
        seconds,
      });
      // Not one per workflow (10,000): the poll loop's wake-up, the schedule ticker's refresh,
      // for sleepers the soonest ready time's, and at times one passing timer of the engine or
      // the store (a fresh CI clone read 4 for the sleepers; 1-3 here).
      expect(parked.timers).toBeLessThanOrEqual(idle.timers + 3);
      expect(rssGrowthMb).toBeLessThan(RSS_BOUND_MB);
    },
    60_000,
  );
});
