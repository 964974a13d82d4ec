import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LidexEngine } from '@lidex/nestjs';
import { eventually } from './eventually';
import { trackTimers } from './live-timers';

// Memory held, not garbage not yet collected: a full collection before each reading. What the
// process's objects hold (the JavaScript heap in use, and memory outside it that objects own,
// such as buffers), not its resident size: the suite runs in a fresh process, whose allocator
// keeps what its busiest moment took (the claims of 10,000 workflows), held or not.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const held = () => {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};

/** What a worker holds once every workflow it was given is parked (asleep, waiting). */
export interface IdleWorkerFigures {
  /** Where each timer set since the worker started, and still pending, was set. */
  pendingTimers: string[];
  /** Memory held now less memory held before the worker started, in MB. */
  heldGrowthMb: number;
}

/**
 * Starts `engine`'s worker over the workflows already started and waits (at most `timeoutMs`)
 * until `parked()` says each is parked, then 200 ms more; answers the timers set since the
 * start and still pending, and how much more memory is held than before it.
 */
export async function idleWorkerFigures(
  engine: LidexEngine,
  parked: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<IdleWorkerFigures> {
  const timers = trackTimers();
  try {
    const heldBefore = held();
    engine.startWorker();
    await eventually(parked, timeoutMs, what);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pendingTimers = timers.pending();
    timers.stop();
    return {
      pendingTimers,
      heldGrowthMb: (held() - heldBefore) / 1024 / 1024,
    };
  } finally {
    timers.stop();
  }
}
