import { performance } from 'node:perf_hooks';

/** How a timer is used, for clocks that skip time (the manual test clock). */
export interface TimerOptions {
  /**
   * The timer only looks for work (a poll, a status check): firing it early or late changes
   * when work is noticed, never what is done. A clock that skips time fires such timers when
   * another timer fires or its time is set, rather than once per interval. Real clocks ignore it.
   */
  idle?: boolean;
}

/**
 * Where the engine reads time and sets every timer it uses: wake-ups, sleeps in memory, lease
 * renewal, polls, retries of a write, `wait()`, the shutdown drain. `systemClock` is the
 * default; `ManualClock` from `@lidex/nestjs/testing` is one tests move by hand.
 */
export interface Clock {
  /** Wall time, in ms since the epoch: what is stored (`readyAt`, leases, step times). */
  now(): number;
  /** A monotonic reading in ms, for durations measured in this process (a lease as known here). */
  monotonic(): number;
  /** Calls `fire` once, `ms` from now; the function returned cancels it. */
  setTimer(ms: number, fire: () => void, options?: TimerOptions): () => void;
}

/** Node's timers cannot wait longer than this (about 24.8 days). */
const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

/** This process's clocks and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fire) {
    // Longer waits than Node's limit are waited in parts (Node would fire at once).
    const endsAt = performance.now() + ms;
    let timer: NodeJS.Timeout;
    const arm = (wait: number): void => {
      timer = setTimeout(
        () => {
          const left = endsAt - performance.now();
          if (left >= 1) arm(left);
          else fire();
        },
        Math.min(Math.max(0, wait), MAX_NODE_TIMER_MS),
      );
    };
    arm(ms);
    return () => clearTimeout(timer);
  },
};

/** Waits `ms` on `clock`. */
export function sleepOn(
  clock: Clock,
  ms: number,
  options?: TimerOptions,
): Promise<void> {
  return new Promise<void>((resolve) => {
    clock.setTimer(ms, resolve, options);
  });
}

/** Resolves when the promises settle or after `ms` on `clock`, whichever comes first. */
export async function settledOrAfter(
  clock: Clock,
  promises: readonly Promise<unknown>[],
  ms: number,
): Promise<void> {
  if (promises.length === 0) return;
  let cancel: (() => void) | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      cancel = clock.setTimer(ms, resolve);
    }),
  ]);
  cancel?.();
}
