/**
 * The worker process of the multi-process tests and of the bench: it runs workflows from a store
 * shared with the process that forked it, with the built package, as an app instance would.
 * What differs per user (engine settings, workflows, progress counting, retrying `init()`) comes
 * in its arguments; `launcher.ts` forks it.
 *
 *   node entry.js '<WorkerArgs as JSON>'   (forked with an IPC channel)
 *
 * The engine's warnings and errors go to stderr as `WARN ...` / `ERROR ...` lines, where tests
 * read what it said. On SIGTERM it drains the engine and closes the store, then exits 0 (1 if
 * either failed).
 */
import {
  LidexEngine,
  type LidexLogger,
  type Persistence,
  type WorkflowFlowOptions,
} from '@lidex/nestjs';
import { countingStore, type StoreCall } from '../../../bench/counting-store';
import type {
  FromWorker,
  ToWorker,
  WorkerArgs,
  WorkerStats,
  WorkflowSet,
} from './protocol';
import { dyingInClaim } from './die-in-claim';
import { openSpec } from './store-spec';

const send = (message: FromWorker) => process.send?.(message);
const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

const stderrLogger: LidexLogger = {
  log: () => undefined,
  warn: (message) => process.stderr.write(`WARN ${message}\n`),
  error: (message) => process.stderr.write(`ERROR ${message}\n`),
};

/** Opens the store; with `initRetryMs`, tries `init()` again until it succeeds. */
async function openStore(args: WorkerArgs): Promise<Persistence> {
  const store = openSpec(args.store);
  for (;;) {
    try {
      await store.init();
      return store;
    } catch (error) {
      if (args.initRetryMs === undefined) throw error;
      const { name, message } = asError(error);
      send({ type: 'initFailed', name, message });
      await pause(args.initRetryMs);
    }
  }
}

/** Progress goes out at most once per turn of the event loop, however many runs end in it. */
function progressReporter() {
  const totals = { finished: 0, asleep: 0 };
  let scheduled = false;
  return (call: StoreCall) => {
    if (call.result !== true) return;
    if (call.method === 'recordFinish') totals.finished += 1;
    else if (call.method === 'recordStep' && isSleep(call.args[2]))
      totals.asleep += 1;
    else return;
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      send({ type: 'progress', ...totals });
    });
  };
}

const isSleep = (step: unknown): boolean =>
  (step as { kind?: string } | undefined)?.kind === 'sleep';

const collect = () => (globalThis as { gc?: () => void }).gc?.();

function stats(): WorkerStats {
  collect();
  const memory = process.memoryUsage();
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    timers: process
      .getActiveResourcesInfo()
      .filter((resource) => resource === 'Timeout').length,
  };
}

/** `stats()` at once, or after a first collection and `settleMs` of quiet. */
function settledStats(settleMs: number | undefined): void {
  if (settleMs === undefined) {
    send({ type: 'stats', stats: stats() });
    return;
  }
  collect();
  setTimeout(() => send({ type: 'stats', stats: stats() }), settleMs);
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as WorkerArgs;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { workerWorkflows, workerFlow } = require(args.workflows.module) as {
    workerWorkflows: WorkflowSet;
    /** Optional: flow options (`concurrency`, `rateLimit`) per workflow name. */
    workerFlow?: (options: unknown) => Record<string, WorkflowFlowOptions>;
  };
  const opened = await openStore(args);
  const store = args.dieInClaim
    ? dyingInClaim(opened, args.dieInClaim)
    : opened;
  const engine = new LidexEngine({
    ...args.engine,
    store: args.progress
      ? countingStore(store, progressReporter()).store
      : store,
    logger: stderrLogger,
    handlers: workerWorkflows(args.workflows.options),
  });
  const handlers = workerWorkflows(args.workflows.options);
  for (const [name, flow] of Object.entries(
    workerFlow?.(args.workflows.options) ?? {},
  )) {
    engine.register(name, handlers[name], flow);
  }
  engine.startWorker();
  process.on('message', (message: ToWorker) => {
    if (message.type === 'stats') settledStats(message.settleMs);
    else startHere(engine, message);
  });
  process.once('SIGTERM', () => {
    engine
      .stopWorker()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
  send({ type: 'ready' });
}

function startHere(
  engine: LidexEngine,
  {
    workflow,
    count,
    prefix,
  }: { workflow: string; count: number; prefix: string },
) {
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      engine.start(`${prefix}${i}`, workflow, null),
    ),
  ).catch((error: unknown) => fail(error));
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));

function fail(error: unknown): void {
  process.stderr.write(`ERROR ${asError(error).stack}\n`);
  send({ type: 'error', message: String(error) });
  process.exit(1);
}

main().catch(fail);
