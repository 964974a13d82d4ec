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
export async function oneAtATime(
  place: StorePlace,
  workflows: number,
): Promise<Percentiles> {
  const watch = new FinishWatch();
  const store = countingStore(await place.open(), watch.onCall).store;
  const engine = workerEngine(store);
  engine.startWorker();
  const samples: number[] = [];
  try {
    for (let i = 0; i < workflows; i++) {
      const started = process.hrtime.bigint();
      await engine.start(`l${i}`, 'threeSteps', null);
      await watch.finished(`l${i}`);
      samples.push(elapsedMs(started));
    }
  } finally {
    await engine.stopWorker();
    await store.close();
  }
  return percentiles(samples);
}

/**
 * Start→first step of a workflow started in the worker's own process: the first step returns the
 * wall clock when it runs, read back from the store afterwards.
 */
export async function pickupSameProcess(
  place: StorePlace,
  workflows: number,
): Promise<Percentiles> {
  const watch = new FinishWatch();
  const store = countingStore(await place.open(), watch.onCall).store;
  const engine = workerEngine(store);
  engine.startWorker();
  const samples: number[] = [];
  try {
    for (let i = 0; i < workflows; i++) {
      const startedAt = wallClockMs();
      await engine.start(`p${i}`, 'stamped', null);
      await watch.finished(`p${i}`);
      samples.push((await pickedUpAt(engine, `p${i}`)) - startedAt);
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
