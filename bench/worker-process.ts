/**
 * A worker process of the bench: runs the bench workflows from a store shared with the bench
 * process, with the built package, as an app instance would. It tells the bench process how many
 * workflows it finished and put to sleep, and on request how much memory it holds.
 *
 *   node dist-bench/bench/worker-process.js '<WorkerArgs as JSON>'   (forked with an IPC channel)
 */
import { LidexEngine } from '@lidex/nestjs';
import { countingStore, type StoreCall } from './counting-store';
import { openSpec } from './stores';
import type {
  FromWorker,
  ToWorker,
  WorkerArgs,
  WorkerStats,
} from './worker-protocol';
import { benchWorkflows } from './workflows';

const send = (message: FromWorker) => process.send?.(message);

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

function stats(): WorkerStats {
  (globalThis as { gc?: () => void }).gc?.();
  return {
    rssBytes: process.memoryUsage().rss,
    heapUsedBytes: process.memoryUsage().heapUsed,
    timers: process
      .getActiveResourcesInfo()
      .filter((resource) => resource === 'Timeout').length,
  };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as WorkerArgs;
  const store = openSpec(args.spec);
  await store.init();
  const engine = new LidexEngine({
    ...args.engine,
    store: countingStore(store, progressReporter()).store,
    handlers: benchWorkflows,
  });
  engine.startWorker();
  process.on('message', (message: ToWorker) => {
    if (message.type === 'stats') send({ type: 'stats', stats: stats() });
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

function fail(error: unknown): void {
  send({ type: 'error', message: String(error) });
  process.exit(1);
}

main().catch(fail);
