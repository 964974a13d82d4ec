import {
  LidexEngine,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { countingStore } from './counting-store';

const threeSteps = async (ctx: WorkflowContext) => {
  await ctx.step('a', () => 1);
  await ctx.step('b', () => 2);
  await ctx.step('c', () => 3);
  return 'ok';
};

const engineOver = (store: Persistence, concurrency: number) =>
  new LidexEngine({
    store,
    concurrency,
    pollIntervalMs: 5,
    handlers: { threeSteps },
  });

/** N workflows of 3 no-op steps started at once in one worker process. */
export async function throughput(
  store: Persistence,
  workflows: number,
  prefix: string,
) {
  const engine = engineOver(store, 50);
  engine.startWorker();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workflows }, (_, i) =>
      engine.start(`${prefix}${i}`, 'threeSteps', null),
    ),
  );
  for (let i = 0; i < workflows; i++) {
    await engine.wait(`${prefix}${i}`, { timeoutMs: 600_000, intervalMs: 5 });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await engine.stopWorker();
  return {
    workflowsPerSecond: Math.round(workflows / seconds),
    stepsPerSecond: Math.round((workflows * 3) / seconds),
  };
}

/** Start→finished, one workflow at a time, started in the worker's own process. */
export async function latency(
  store: Persistence,
  workflows: number,
  prefix: string,
) {
  const engine = engineOver(store, 10);
  engine.startWorker();
  const times: number[] = [];
  for (let i = 0; i < workflows; i++) {
    const started = process.hrtime.bigint();
    await engine.start(`${prefix}${i}`, 'threeSteps', null);
    await engine.wait(`${prefix}${i}`, { timeoutMs: 60_000, intervalMs: 1 });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await engine.stopWorker();
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    round(times[Math.min(times.length - 1, Math.floor(q * times.length))]);
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/**
 * Store round trips of 3-step workflows, counted at the store: started in the worker's process
 * (claimed as they are created) and started elsewhere (claimed by polling).
 */
export async function roundTrips(
  store: Persistence,
  workflows: number,
  prefix: string,
) {
  const measure = async (localStart: boolean) => {
    const counting = countingStore(store);
    const worker = engineOver(counting.store, 10);
    const client = engineOver(counting.store, 10);
    worker.startWorker();
    const starter = localStart ? worker : client;
    for (let i = 0; i < workflows; i++) {
      const id = `${prefix}${localStart ? 'l' : 'p'}${i}`;
      await starter.start(id, 'threeSteps', null);
      await waitUncounted(store, id);
    }
    await worker.stopWorker();
    const { counts } = counting;
    const calls =
      counts.insertWorkflow +
      counts.claimReady +
      counts.recordStep +
      counts.recordFinish +
      counts.renewLease +
      counts.releaseLease +
      counts.recordFailure;
    return {
      storeCallsPerWorkflow: round(calls / workflows),
      storeCallsPerStep: round(counts.recordStep / (workflows * 3)),
      readsPerWorkflow: counts.getWorkflow / workflows,
    };
  };
  return {
    localStart: await measure(true),
    startedElsewhere: await measure(false),
  };
}

async function waitUncounted(store: Persistence, id: string): Promise<void> {
  for (;;) {
    if ((await store.getWorkflow(id))?.status === 'finished') return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const round = (value: number) => Math.round(value * 100) / 100;
