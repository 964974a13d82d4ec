import { NonRetryableError } from '../errors/non-retryable.error';
import { StepTimeoutError } from '../errors/step-timeout.error';
import { messages } from '../lidex.messages';
import type { StepOutcome, StoredStep } from '../stores/persistence';
import { AttemptSignal, AttemptView } from './attempt-signal';
import { never } from './deferred';
import type { RunDeadline } from './run-deadline';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';
import { attemptId, encodeAttemptError } from './step-attempts';
import {
  backoffMs,
  idempotencyKey,
  type ResolvedRetryPolicy,
  type StepAttempt,
} from './step-policy';
import { eventError } from './lifecycle-events';
import { describeError, toWorkflowError } from './workflow-error';
import type { WorkflowRoom } from './workflow-room';
import type { StepTrace } from './tracing/run-tracing';

/** What one step's attempts need of their run. */
export interface StepRun {
  workflowId: string;
  writer: RunWriter;
  deps: RunDependencies;
  room: WorkflowRoom;
  /** The workflow's deadline: no wait for an attempt goes past it, no attempt begins after it. */
  deadline: RunDeadline;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs a step's function until it succeeds or its attempts are spent, recording each failed
 * attempt (its error, when it began and ended, when the next is due) with one write. A wait
 * longer than `sleepInMemoryMaxMs` releases the workflow, claimed again when the next attempt is
 * due; a claim that finds attempts recorded goes on from the next one. Resolves the successful
 * attempt's value and start (the caller records the step); throws the last error when the
 * attempts are spent or the error may not be retried.
 *
 * `recorded`: this step's attempt records, in order. A record without `wakeAt` closed a round
 * (its error went to the workflow's code); a later run of the step starts a new round.
 */
export async function runAttempts<T>(
  run: StepRun,
  stepId: string,
  fn: (attempt: StepAttempt) => T | Promise<T>,
  policy: { retry: ResolvedRetryPolicy; timeoutMs?: number },
  recorded: readonly { attempt: number; record: StoredStep }[],
  /** The kind of the failed attempts' records: a compensation's are its own. */
  attemptKind: 'attempt' | 'compensation-attempt' = 'attempt',
): Promise<{ value: T; startedAt: number; attempt: number }> {
  const { writer, deps, deadline } = run;
  const closed = findLastIndex(recorded, (r) => r.record.wakeAt === undefined);
  let failedInRound = recorded.length - (closed + 1);
  let last = recorded.at(-1)?.attempt ?? 0;
  let dueAt = failedInRound > 0 ? recorded.at(-1)!.record.wakeAt : undefined;
  // Hashed only if a function reads it, once for all the step's attempts.
  let key: string | undefined;
  const keyOf = (): string => (key ??= idempotencyKey(run.workflowId, stepId));

  for (;;) {
    if (dueAt !== undefined) {
      const remaining = dueAt - deps.now();
      if (remaining > 0) {
        if (remaining > deps.options.sleepInMemoryMaxMs || writer.stopRequested)
          return writer.release(deadline.cap(dueAt));
        await writer.pause(Math.max(0, Math.min(remaining, deadline.msLeft())));
        if (writer.halted.settled) return never();
        if (await deadline.enforce()) return never();
        if (deps.now() < dueAt) return writer.release(deadline.cap(dueAt));
      }
    }
    if (writer.stopRequested) return writer.release(deps.now());
    if (await deadline.enforce()) return never();
    if (!(await writer.leaseHolds())) return never();

    const attempt = last + 1;
    const startedAt = deps.now();
    if (attempt > 1)
      deps.events.emit('step-retried', () => ({
        workflowId: run.workflowId,
        workflowName: writer.workflowName,
        at: startedAt,
        stepId,
        attempt,
      }));
    const span = writer.trace.step(stepId, attempt);
    const outcome = await callOnce(
      run,
      fn,
      stepId,
      attempt,
      keyOf,
      policy.timeoutMs,
      span,
    );
    span.end(outcome.ok ? undefined : outcome.error);
    deps.tracing.stepAttempt(
      writer.workflowName,
      deps.now() - startedAt,
      outcome.ok ? 'ok' : 'error',
    );
    if (writer.halted.settled) return never();
    if (outcome.ok) return { value: outcome.value, startedAt, attempt };

    failedInRound++;
    const endedAt = deps.now();
    const retry =
      failedInRound < policy.retry.attempts &&
      retryable(outcome.error, policy.retry);
    const wakeAt = retry
      ? endedAt + backoffMs(policy.retry, failedInRound)
      : undefined;
    const record: StoredStep = {
      kind: attemptKind,
      id: attemptId(stepId, attempt),
      result: encodeAttemptError(toWorkflowError(outcome.error), (error) =>
        deps.values.sealError(error),
      ),
      startedAt,
      recordedAt: endedAt,
      ...(wakeAt === undefined ? {} : { wakeAt }),
    };
    run.room.reserve(
      run.workflowId,
      record,
      `error of attempt ${attempt} of step ${JSON.stringify(stepId)} in workflow ${JSON.stringify(run.workflowId)}`,
    );
    const release =
      wakeAt !== undefined &&
      (wakeAt - endedAt > deps.options.sleepInMemoryMaxMs ||
        writer.stopRequested);
    const recordIt = (next: StepOutcome) =>
      deps.store.recordStep(run.workflowId, writer.leaseToken, record, next);
    const written = release
      ? await writer.leaseSettingWrite((at) =>
          recordIt({ readyAt: deadline.cap(wakeAt), release, now: at }),
        )
      : await writer.keepingWrite(recordIt);
    if (!written) return never();
    deps.events.emit('step-failed', () => ({
      workflowId: run.workflowId,
      workflowName: writer.workflowName,
      at: endedAt,
      stepId,
      attempt,
      startedAt,
      durationMs: endedAt - startedAt,
      error: eventError(toWorkflowError(outcome.error)),
      ...(wakeAt === undefined ? {} : { retryAt: wakeAt }),
    }));
    const cause = describeError(outcome.error);
    if (wakeAt === undefined) {
      deps.logger.debug?.(
        messages.stepAttemptsSpent(run.workflowId, stepId, attempt, cause),
      );
      throw outcome.error;
    }
    deps.logger.warn(
      messages.stepAttemptFailed(
        run.workflowId,
        stepId,
        attempt,
        cause,
        wakeAt - endedAt,
      ),
    );
    if (release) {
      deps.expectReady(deadline.cap(wakeAt));
      return writer.halt('released');
    }
    last = attempt;
    dueAt = wakeAt;
  }
}

/** One call of the function, with its signal; a timeout ends it as a failure. */
async function callOnce<T>(
  run: StepRun,
  fn: (attempt: StepAttempt) => T | Promise<T>,
  stepId: string,
  attempt: number,
  keyOf: () => string,
  timeoutMs: number | undefined,
  span: StepTrace,
): Promise<Outcome<T>> {
  const signal = new AttemptSignal(run.writer);
  const view = new AttemptView(attempt, keyOf, signal);
  if (timeoutMs === undefined) {
    try {
      return { ok: true, value: await span.within(() => fn(view)) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      signal.end();
    }
  }
  // Made now: the timeout aborts it.
  void signal.signal;
  let cancelTimer: (() => void) | undefined;
  const timedOut = new Promise<Outcome<T>>((resolve) => {
    cancelTimer = run.deps.clock.setTimer(timeoutMs, () => {
      const error = new StepTimeoutError(
        messages.stepTimedOut(run.workflowId, stepId, attempt, timeoutMs),
      );
      signal.abort(error);
      resolve({ ok: false, error });
    });
  });
  try {
    const running = new Promise<T>((resolve) => {
      resolve(span.within(() => fn(view)));
    });
    return await Promise.race([
      running.then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, error }),
      ),
      timedOut,
    ]);
  } finally {
    cancelTimer?.();
    signal.end();
  }
}

/** Whether another attempt may mend `error`: not a `NonRetryableError` (or caused by one). */
function retryable(error: unknown, policy: ResolvedRetryPolicy): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    if (e instanceof NonRetryableError) return false;
    seen.add(e);
  }
  if (policy.retryIf === undefined) return true;
  try {
    return policy.retryIf(error) === true;
  } catch {
    // A predicate that throws cannot say yes.
    return false;
  }
}

function findLastIndex<T>(list: readonly T[], test: (item: T) => boolean) {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i])) return i;
  return -1;
}
