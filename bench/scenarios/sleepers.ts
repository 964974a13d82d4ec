import type { LidexEngine } from '@lidex/nestjs';
import { BENCH_ENGINE_OPTIONS, clientEngine } from '../engines';
import { withWorkers, type WorkerProcess } from '../processes';
import { pause, round } from '../stats';
import type { StorePlace } from '../stores';
import type { WorkerStats } from '../../test/support/worker/protocol';
import type { BenchWorkflow } from '../workflows';

export interface Sleepers {
  sleepers: number;
  /** Growth of the worker process's resident memory, after a garbage collection. */
  rssGrowthMb: number;
  heapGrowthMb: number;
  /** Live timers in the worker before the sleepers came and while they sleep. */
  timersBefore: number;
  timersAsleep: number;
}

/** Lets a worker finish releasing its last sleepers before it is measured. */
const SETTLE_MS = 500;

/**
 * Workflows the worker runs before its memory is first measured, so that the growth measured is
 * the sleepers', not that of a fresh process compiling and allocating for its first workflows.
 */
const warmUp = (sleepers: number) => Math.min(200, Math.ceil(sleepers / 5));

/**
 * `count` workflows asleep for an hour, and what they cost the worker process that put them to
 * sleep: a long sleep is written to the store and the workflow released, so it should hold no
 * timer and (almost) no memory. Where the store can be shared, this process starts them; a
 * memory store lives inside the worker, so there the worker starts them itself.
 */
export async function sleepers(
  place: StorePlace,
  count: number,
  shared: boolean,
): Promise<Sleepers> {
  const store = shared ? await place.open() : undefined;
  const client = store && clientEngine(store);
  try {
    return await withWorkers(
      1,
      place.spec,
      BENCH_ENGINE_OPTIONS,
      async ([worker]) => {
        const warm = warmUp(count);
        await start(worker, client, 'threeSteps', warm, 'w');
        await worker.until(() => worker.finished >= warm);
        await pause(SETTLE_MS);
        const before = await worker.stats();
        await start(worker, client, 'sleeper', count, 's');
        await worker.until(() => worker.asleep >= count);
        await pause(SETTLE_MS);
        return compare(count, before, await worker.stats());
      },
    );
  } finally {
    await store?.close();
  }
}

/** Starts workflows from here when the store is shared, else inside the worker. */
async function start(
  worker: WorkerProcess,
  client: LidexEngine | undefined,
  workflow: BenchWorkflow,
  count: number,
  prefix: string,
): Promise<void> {
  if (!client) {
    worker.send({ type: 'start', workflow, count, prefix });
    return;
  }
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.start(`${prefix}${i}`, workflow, null),
    ),
  );
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

const compare = (
  count: number,
  before: WorkerStats,
  asleep: WorkerStats,
): Sleepers => ({
  sleepers: count,
  rssGrowthMb: mb(asleep.rssBytes - before.rssBytes),
  heapGrowthMb: mb(asleep.heapUsedBytes - before.heapUsedBytes),
  timersBefore: before.timers,
  timersAsleep: asleep.timers,
});
