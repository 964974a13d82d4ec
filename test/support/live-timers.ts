/**
 * The timers the code under test holds: those set through this test file's `setTimeout` and
 * `setInterval` (the library, Nest and the drivers all run in the test's context and use them)
 * and not yet fired or cleared, each with where it was set.
 *
 * `process.getActiveResourcesInfo()` counts every timer of the process, and on a machine with
 * few cores Jest runs the test files in its own process, whose reporter sets a 100 ms timer now
 * and then (its status line): a count of the process's timers then sees one more at random.
 */
export interface LiveTimers {
  /** Where each timer still pending was set (a line of its stack), oldest first. */
  pending(): string[];
  /** Puts the context's timer functions back. */
  stop(): void;
}

type TimerHandle = ReturnType<typeof setTimeout>;

/** Starts recording the timers set from now on. */
export function trackTimers(): LiveTimers {
  const original = {
    setTimeout: global.setTimeout,
    setInterval: global.setInterval,
    clearTimeout: global.clearTimeout,
    clearInterval: global.clearInterval,
  };
  // Each timer keeps the Error made where it was set; its stack is read only when reported.
  const live = new Map<TimerHandle, { setAt: Error; ms: number }>();
  const setter =
    (set: typeof setTimeout, repeats: boolean) =>
    (fire: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 12;
      const setAt = new Error('set here');
      Error.stackTraceLimit = limit;
      const handle: TimerHandle = set(
        (...given: unknown[]) => {
          if (!repeats) live.delete(handle);
          fire(...given);
        },
        ms,
        ...args,
      );
      live.set(handle, { setAt, ms: Math.round(ms ?? 0) });
      return handle;
    };
  const clearer =
    (clear: (handle?: TimerHandle) => void) =>
    (handle?: TimerHandle): void => {
      if (handle !== undefined) live.delete(handle);
      clear(handle);
    };
  Object.assign(global, {
    setTimeout: setter(original.setTimeout, false),
    setInterval: setter(original.setInterval as typeof setTimeout, true),
    clearTimeout: clearer(original.clearTimeout),
    clearInterval: clearer(original.clearInterval),
  });
  return {
    pending: () =>
      [...live.values()].map(
        ({ setAt, ms }) => `${setBy(setAt.stack)} (${ms} ms)`,
      ),
    stop: () => Object.assign(global, original),
  };
}

/** The first frame of a stack outside this file and Node's own modules. */
function setBy(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1);
  const frame = frames.find(
    (line) =>
      !line.includes('live-timers') &&
      !line.includes('node:') &&
      !line.includes('lib/engine/clock.ts'),
  );
  return frame?.trim() ?? 'an unknown place';
}
