/**
 * The one worker-process harness of the tests and the bench: what a worker process is told on its
 * command line, and the messages it exchanges with the process that forked it (IPC channel).
 */
import type { EngineOptions, WorkflowHandler } from '@lidex/nestjs';
import type { StoreSpec } from './store-spec';

/** How a worker process runs: passed as JSON on its command line. */
export interface WorkerArgs {
  store: StoreSpec;
  /** The engine's settings; the harness adds the store, the workflows and a stderr logger. */
  engine: EngineOptions;
  /** The workflows to register: a built module exporting `workerWorkflows` (a `WorkflowSet`). */
  workflows: { module: string; options?: unknown };
  /** Report `progress` (finished and put to sleep) as the store records it. */
  progress?: boolean;
  /**
   * When `init()` fails: report `initFailed` and try again after this many ms, as a supervised
   * app keeps trying to start. Without it a failed `init()` ends the process.
   */
  initRetryMs?: number;
  /**
   * Die (SIGKILL, sent to itself) inside a claim that applies flow limits: at a random moment
   * of up to `withinMs` into it, or as its answer comes back with workflows claimed (won in the
   * store, not yet run here), whichever is first. Notes `DeathInClaim` in `log` just before.
   */
  dieInClaim?: { log: string; withinMs: number };
}

/** Where a worker told `dieInClaim` died: while the claim was under way, or on its answer. */
export interface DeathInClaim {
  pid: number;
  phase: 'under-way' | 'answered';
  claimed: number;
  at: number;
}

/** What a workflows module exports as `workerWorkflows`: the workflows, given `options`. */
export type WorkflowSet = (options: unknown) => Record<string, WorkflowHandler>;

/** A worker's memory as it reports it, after a garbage collection (with `--expose-gc`). */
export interface WorkerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** The heap V8 holds from the system, used or not (`process.memoryUsage().heapTotal`). */
  heapTotalBytes?: number;
  /** Live `setTimeout`/`setInterval` timers (`process.getActiveResourcesInfo()`). */
  timers: number;
}

export type ToWorker =
  /**
   * Report `WorkerStats`. With `settleMs`: collect, wait that long (the collector's background
   * threads return the pages it freed to the system meanwhile), collect again, then read.
   */
  | { type: 'stats'; settleMs?: number }
  /** Start workflows from inside the worker (a memory store cannot be reached from outside). */
  | { type: 'start'; workflow: string; count: number; prefix: string };

export type FromWorker =
  /** The store is open and the worker polls. */
  | { type: 'ready' }
  /** One failed `init()` (only with `initRetryMs`). */
  | { type: 'initFailed'; name: string; message: string }
  /** Running totals since the worker started (only with `progress`). */
  | { type: 'progress'; finished: number; asleep: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'error'; message: string };
