import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { StoredStep } from '../stores/persistence';
import { never } from './deferred';
import { writeRunStep } from './run-record';
import type { StepRun } from './step-execution';

/** The longest sleep: 10 years. Longer ones are a mistake (seconds taken for ms, say). */
export const MAX_SLEEP_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** `ctx.sleep()`'s duration: a finite number of ms, at least 0 and at most `MAX_SLEEP_MS`. */
export function requireSleepDuration(
  workflowId: string,
  id: string,
  ms: unknown,
): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(
      messages.invalidSleepDuration(workflowId, String(id), ms),
    );
  }
  if (ms > MAX_SLEEP_MS) {
    throw new InvalidArgumentError(
      messages.sleepTooLong(workflowId, String(id), ms, MAX_SLEEP_MS),
    );
  }
}

/**
 * `ctx.sleep()` past its checks: records the sleep (`wakeAt`) unless an earlier run did, then
 * sleeps in memory until then, or releases the workflow durably until then when the sleep is
 * longer than `sleepInMemoryMaxMs` or the app is stopping. Woken at the deadline when it comes
 * first; never returns once the run has stopped.
 */
export async function sleepUntilWoken(
  run: StepRun,
  id: string,
  ms: number,
  recordedWakeAt: number | undefined,
): Promise<void> {
  const { writer, deps, deadline } = run;
  const { sleepInMemoryMaxMs } = deps.options;
  let wakeAt = recordedWakeAt;
  if (wakeAt === undefined) {
    const now = deps.now();
    wakeAt = now + ms;
    const release = ms > sleepInMemoryMaxMs || writer.stopRequested;
    const sleep: StoredStep = { kind: 'sleep', id, wakeAt, recordedAt: now };
    const written = await writeRunStep(
      run,
      () => sleep,
      release ? wakeAt : undefined,
    );
    if (!written) return never();
    deps.events.emit('slept', () => ({
      workflowId: run.workflowId,
      workflowName: writer.workflowName,
      at: now,
      stepId: id,
      wakeAt: wakeAt!,
    }));
    if (release) {
      deps.expectReady(deadline.cap(wakeAt));
      return writer.halt('released');
    }
  }

  // Slept in memory until the wall clock reaches wakeAt: a timer may fire a little before it
  // does (the system clock's timers count on the monotonic clock), and the rest is slept too.
  for (
    let remaining = wakeAt - deps.now();
    remaining > 0;
    remaining = wakeAt - deps.now()
  ) {
    if (remaining > sleepInMemoryMaxMs || writer.stopRequested) {
      return writer.release(deadline.cap(wakeAt));
    }
    // Woken at the deadline when it comes first, to end the workflow then.
    await writer.pause(Math.max(0, Math.min(remaining, deadline.msLeft())));
    if (writer.halted.settled) return never();
    if (await deadline.enforce()) return never();
  }
  // A process frozen through its sleep wakes here: it goes on only if its lease still holds.
  if (!(await writer.leaseHolds())) return never();
}
