import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { EngineParts } from './engine-wiring';
import { requireRetention } from './retention/engine-retention';

// The engine's background work as one: the worker's claims and runs, the schedules' ticks and
// the retention sweeper, started together and stopped (drained) together.

type LifecycleParts = Pick<
  EngineParts,
  'run' | 'worker' | 'schedules' | 'sweeper' | 'requireOpen'
>;

/**
 * `startWorker()`: refuses a store without what the registered workflows need (flow control,
 * keyed rate limits, retention), then starts claiming, ticking and sweeping.
 */
export function startWorking({
  run,
  worker,
  schedules,
  sweeper,
  requireOpen,
}: LifecycleParts): void {
  requireOpen('startWorker()');
  const limited = [...run.limits.keys()];
  if (limited.length > 0 && !run.store.flowControl)
    throw new InvalidArgumentError(
      messages.flowControlUnsupported(run.store.describe(), limited),
    );
  const keyed = limited.filter((name) => run.limits.get(name)?.keyRate);
  if (keyed.length > 0 && !run.store.keyedRateLimits)
    throw new InvalidArgumentError(
      messages.keyedRateLimitsUnsupported(run.store.describe(), keyed),
    );
  if (sweeper.enabled) requireRetention(run.store);
  worker.start();
  schedules.startTicking();
  sweeper.start();
}

/** `stopWorker()`: stops ticking and claiming, and drains the runs (`shutdownGraceMs`). */
export function stopWorking({
  worker,
  schedules,
  sweeper,
}: Pick<EngineParts, 'worker' | 'schedules' | 'sweeper'>): Promise<void> {
  // The worker stops at once (a start under way is handed back); a tick started meanwhile
  // is inserted unleased, for an instance still running to claim.
  const ticking = schedules.stopTicking();
  const stopped = worker.stop();
  const swept = sweeper.stop();
  return Promise.all([ticking, stopped, swept]).then(() => undefined);
}

/** `close()`: stops as `stopWorker()` does, then ends tracing and closes the store. */
export function closeEngine(
  parts: Pick<EngineParts, 'run' | 'worker' | 'schedules' | 'sweeper'>,
): Promise<void> {
  return stopWorking(parts).then(() => {
    parts.run.tracing.close();
    return parts.run.store.close();
  });
}
