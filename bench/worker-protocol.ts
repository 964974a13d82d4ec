/** Messages between the bench process and its worker processes (over the fork IPC channel). */
import type { EngineOptions } from '@lidex/nestjs';
import type { StoreSpec } from './stores';
import type { BenchWorkflow } from './workflows';

/** How a worker process runs: passed as JSON on its command line. */
export interface WorkerArgs {
  spec: StoreSpec;
  engine: EngineOptions;
}

/** A worker's memory as it reports it, after a garbage collection. */
export interface WorkerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** Live `setTimeout`/`setInterval` timers (`process.getActiveResourcesInfo()`). */
  timers: number;
}

export type ToWorker =
  | { type: 'stats' }
  /** Start workflows from inside the worker (a memory store cannot be reached from outside). */
  | { type: 'start'; workflow: BenchWorkflow; count: number; prefix: string };

export type FromWorker =
  | { type: 'ready' }
  /** Running totals since the worker started. */
  | { type: 'progress'; finished: number; asleep: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'error'; message: string };
