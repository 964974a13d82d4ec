import { countingStore } from '../counting-store';
import {
  BENCH_ENGINE_OPTIONS,
  clientEngine,
  THROUGHPUT_CONCURRENCY,
  workerEngine,
} from '../engines';
import { FinishWatch } from '../finish-watch';
import { allFinished, withWorkers } from '../processes';
import { cpuUsPerWorkflow } from '../cpu';
import { elapsedMs, round } from '../stats';
import type { StorePlace } from '../stores';

export interface Rate {
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  stepsPerSecond: number;
  /** CPU of this process per workflow (µs), where the workflows ran in it. */
  cpuUsPerWorkflow?: number;
}

/** A rate of 3-step workflows (shared with the peers' scenarios). */
export const rate = (workflows: number, ms: number): Rate => ({
  workflows,
  seconds: round(ms / 1000),
  workflowsPerSecond: Math.round((workflows * 1000) / ms),
  stepsPerSecond: Math.round((workflows * 3 * 1000) / ms),
});

/**
 * N workflows of 3 no-op steps, all started at once in the process whose worker runs them (as
 * far as it has room, a workflow started here begins here at once). Timed from the first start
 * to the last finish written.
 */
export async function throughputInProcess(
  place: StorePlace,
  workflows: number,
): Promise<Rate> {
  const watch = new FinishWatch();
  const store = countingStore(await place.open(), watch.onCall).store;
  const engine = workerEngine(store, { concurrency: THROUGHPUT_CONCURRENCY });
  engine.startWorker();
  try {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: workflows }, (_, i) =>
        engine.start(`t${i}`, 'threeSteps', null),
      ),
    );
    await watch.allFinished(workflows);
    return {
      ...rate(workflows, elapsedMs(started)),
      cpuUsPerWorkflow: cpuUsPerWorkflow(cpu, workflows),
    };
  } finally {
    await engine.stopWorker();
    await store.close();
  }
}

/**
 * N workflows of 3 no-op steps started at once by this process, run by `processes` worker
 * processes sharing the store. Timed from the first start to the last finish the workers report.
 */
export async function throughputInWorkers(
  place: StorePlace,
  workflows: number,
  processes: number,
): Promise<Rate> {
  const store = await place.open();
  try {
    return await withWorkers(
      processes,
      place.spec,
      { ...BENCH_ENGINE_OPTIONS, concurrency: THROUGHPUT_CONCURRENCY },
      async (workers) => {
        const client = clientEngine(store);
        const started = process.hrtime.bigint();
        await Promise.all(
          Array.from({ length: workflows }, (_, i) =>
            client.start(`t${i}`, 'threeSteps', null),
          ),
        );
        await allFinished(workers, workflows);
        return rate(workflows, elapsedMs(started));
      },
    );
  } finally {
    await store.close();
  }
}
