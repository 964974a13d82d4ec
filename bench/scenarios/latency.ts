import { countingStore } from '../counting-store';
import { clientEngine, workerEngine } from '../engines';
import { FinishWatch } from '../finish-watch';
import { withWorkers } from '../processes';
import { BENCH_ENGINE_OPTIONS } from '../engines';
import {
  elapsedMs,
  pause,
  type Percentiles,
  percentiles,
  wallClockMs,
} from '../stats';
import type { StorePlace } from '../stores';

/**
 * Start→finished of a 3-step workflow, one at a time, started in the worker's own process.
 * "Finished" is the moment the store call writing the finish returns.
 */
export function oneAtATime(
  place: StorePlace,
  workflows: number,
): Promise<Percentiles> {
  return inWorkerProcess(place, workflows, 'l', async (engine, watch, id) => {
    const started = process.hrtime.bigint();
    await engine.start(id, 'threeSteps', null);
    await watch.finished(id);
    return elapsedMs(started);
  });
}

/**
 * Start→first step of a workflow started in the worker's own process: the first step returns the
 * wall clock when it runs, read back from the store afterwards.
 */
export function pickupSameProcess(
  place: StorePlace,
  workflows: number,
): Promise<Percentiles> {
  return inWorkerProcess(place, workflows, 'p', async (engine, watch, id) => {
    const startedAt = wallClockMs();
    await engine.start(id, 'stamped', null);
    await watch.finished(id);
    return (await pickedUpAt(engine, id)) - startedAt;
  });
}

/**
 * Runs `sample` for `workflows` workflows (ids `prefix` + n) one at a time, each started by a worker engine in this
 * process over a store whose finishes are watched; the percentiles of what it measured.
 */
async function inWorkerProcess(
  place: StorePlace,
  workflows: number,
  prefix: string,
  sample: (
    engine: ReturnType<typeof workerEngine>,
    watch: FinishWatch,
    id: string,
  ) => Promise<number>,
): Promise<Percentiles> {
  const watch = new FinishWatch();
  const store = countingStore(await place.open(), watch.onCall).store;
  const engine = workerEngine(store);
  engine.startWorker();
  const samples: number[] = [];
  try {
    for (let i = 0; i < workflows; i++) {
      samples.push(await sample(engine, watch, `${prefix}${i}`));
    }
  } finally {
    await engine.stopWorker();
    await store.close();
  }
  return percentiles(samples);
}

/**
 * Start→first step of a workflow started here and run by a worker process: the first step, in the
 * other process, returns the wall clock when it runs. Both processes read the same clock. The
 * worker learns of the workflow at its next poll, so each start waits a random part of the poll
 * interval first: otherwise every start would land at the same point of the worker's poll cycle.
 */
export async function pickupOtherProcess(
  place: StorePlace,
  workflows: number,
): Promise<Percentiles> {
  const store = await place.open();
  const samples: number[] = [];
  const pollIntervalMs = BENCH_ENGINE_OPTIONS.pollIntervalMs ?? 1_000;
  try {
    await withWorkers(1, place.spec, BENCH_ENGINE_OPTIONS, async ([worker]) => {
      const client = clientEngine(store);
      for (let i = 0; i < workflows; i++) {
        await pause(Math.random() * pollIntervalMs);
        const startedAt = wallClockMs();
        await client.start(`o${i}`, 'stamped', null);
        await worker.until(() => worker.finished > i);
        samples.push((await pickedUpAt(client, `o${i}`)) - startedAt);
      }
    });
  } finally {
    await store.close();
  }
  return percentiles(samples);
}

async function pickedUpAt(
  engine: ReturnType<typeof clientEngine>,
  id: string,
): Promise<number> {
  const info = await engine.get(id);
  const stamp = info?.steps.find((step) => step.id === 'picked-up')?.result;
  if (typeof stamp !== 'number') {
    throw new Error(`workflow ${id} has no picked-up step`);
  }
  return stamp;
}
