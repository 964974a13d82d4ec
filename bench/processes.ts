import { join } from 'node:path';
import type { EngineOptions } from '@lidex/nestjs';
import { WorkerProcess } from '../test/support/worker/launcher';
import type { StoreSpec } from './stores';

export { WorkerProcess };

/**
 * Starts a worker process of the shared harness running the bench workflows over `spec`: it
 * reports its progress, and can report its memory after a collection.
 */
const startBenchWorker = (spec: StoreSpec, engine: EngineOptions) =>
  WorkerProcess.start(
    {
      store: spec,
      engine,
      workflows: { module: join(__dirname, 'workflows.js') },
      progress: true,
    },
    { execArgv: ['--expose-gc'] },
  );

/** Starts `count` worker processes over one store; stops them all after `work`, however it ends. */
export async function withWorkers<T>(
  count: number,
  spec: StoreSpec,
  engine: EngineOptions,
  work: (workers: WorkerProcess[]) => Promise<T>,
): Promise<T> {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < count; i++) {
      workers.push(await startBenchWorker(spec, engine));
    }
    return await work(workers);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Resolves when the workers together have finished `total` workflows. */
export async function allFinished(
  workers: WorkerProcess[],
  total: number,
): Promise<void> {
  const sum = () => workers.reduce((n, worker) => n + worker.finished, 0);
  await Promise.race(
    workers.map((worker) => worker.until(() => sum() >= total)),
  );
}
