import { LidexError } from '../errors/lidex.error';
import { messages } from '../lidex.messages';
import type {
  ParentLink,
  WorkflowError,
  WorkflowStatus,
} from '../stores/persistence';
import { tellParent } from './child-family';
import { eventError } from './lifecycle-events';
import { workflowRetryIntervalMs } from './options';
import type { RunDeadline } from './run-deadline';
import type { HeldRecord } from './run-held-step';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';
import { cannotSucceedOnRetry, toWorkflowError } from './workflow-error';

/** How the workflow's code ended, when its run was not halted first. */
export type CodeOutcome =
  { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown };

/**
 * The last stage of a run: stores how the workflow's code ended (its result encoded, or its
 * error as a failure to retry or to end with), through the run's writer, and logs it.
 */
export async function recordOutcome(
  writer: RunWriter,
  deps: RunDependencies,
  outcome: CodeOutcome,
  deadline: RunDeadline,
  parent?: ParentLink,
  /**
   * The run's compensations, given a failure that ends the workflow: `true` when they took the
   * failure over (the workflow is compensating, then aborted).
   */
  compensateAbort?: (error: WorkflowError, abort: boolean) => Promise<boolean>,
): Promise<void> {
  if (outcome.kind === 'returned') {
    await finish(writer, deps, outcome.value, deadline, parent);
  } else
    await fail(writer, deps, outcome.error, deadline, parent, compensateAbort);
}

/**
 * No handler for this workflow here (an older version): hand it back for another to run, no
 * sooner than a poll later (so that a worker never claims it again and again), warning once per
 * name and then only at debug.
 */
export async function releaseUnhandled(
  writer: RunWriter,
  deps: RunDependencies,
  workflowName: string,
  deadline: RunDeadline,
): Promise<void> {
  const { store, options, logger, now, unhandled } = deps;
  const backInMs = Math.max(options.retryIntervalMs, options.pollIntervalMs);
  const message = messages.noHandler(writer.workflowId, workflowName, backInMs);
  if (unhandled.has(workflowName)) logger.debug?.(message);
  else {
    unhandled.add(workflowName);
    logger.warn(message);
  }
  const readyAt = deadline.cap(now() + backInMs);
  await writer.write(() =>
    store.releaseLease(writer.workflowId, writer.leaseToken, {
      readyAt,
      now: now(),
    }),
  );
  deps.expectReady(readyAt);
}

async function finish(
  writer: RunWriter,
  deps: RunDependencies,
  value: unknown,
  deadline: RunDeadline,
  parent: ParentLink | undefined,
): Promise<void> {
  let written: boolean | undefined;
  let held: HeldRecord | undefined;
  try {
    const encoded = deps.values.encode(
      value,
      { workflowId: writer.workflowId, field: 'result' },
      `result of workflow ${JSON.stringify(writer.workflowId)}`,
      deps.store.maxValueBytes,
    );
    // The last step's record, when held back (`HeldStep`, never in a child), is written with the
    // finish; any sent before it are waited for first.
    held = writer.held.take();
    // A child's end reaches its parent before it is written (child-family.ts).
    if (parent) {
      const told = await writer.write(async () => {
        await tellParent(deps, writer.workflowId, parent, {
          status: 'finished',
          result: value,
        });
        return true;
      });
      if (!told) return;
    }
    if (!(await writer.held.settle())) return;
    const now = deps.now();
    written = await writer.write(() =>
      deps.store.recordFinish(writer.workflowId, writer.leaseToken, {
        result: encoded,
        now,
        ...(held ? { step: held.step } : {}),
      }),
    );
  } catch (error) {
    // The result cannot be stored: that is the workflow's failure. The step the finish carried
    // was refused with it (both or neither): it is held again, so the failure writes it first.
    if (held) writer.held.hold(held);
    return fail(writer, deps, error, deadline, parent);
  }
  if (written) {
    held?.written();
    deps.tracing.ended(writer.workflowName, 'finished');
    deps.events.emit('finished', () => {
      const at = deps.now();
      return {
        workflowId: writer.workflowId,
        workflowName: writer.workflowName,
        at,
        durationMs: at - writer.claimedAt,
        ...(deps.events.payloads ? { payload: value } : {}),
      };
    });
    deps.ended(writer.workflowId);
    deps.logger.debug?.(messages.workflowFinished(writer.workflowId));
  } else {
    void writer.loseLease();
  }
}

async function fail(
  writer: RunWriter,
  deps: RunDependencies,
  thrown: unknown,
  deadline: RunDeadline,
  parent: ParentLink | undefined,
  compensateAbort?: (error: WorkflowError, abort: boolean) => Promise<boolean>,
): Promise<void> {
  const { store, options, logger, now } = deps;
  // A step's record held back is written before the failure (`HeldStep`). One the store
  // refuses as a value is left out: the failure is recorded, and the step runs again on a retry.
  const settled = await writer.held.settle().catch((refused: unknown) => {
    if (refused instanceof LidexError) return true;
    throw refused;
  });
  if (!settled) return;
  const error = toWorkflowError(thrown);
  writer.trace.failed(thrown);
  const abort = cannotSucceedOnRetry(thrown);
  // What the store keeps (encoded when the codec encodes errors); the parent, events and logs
  // are told the error itself (a parent's signal payload is encoded as a value).
  const stored = deps.values.sealError(error);
  if (compensateAbort && (await compensateAbort(stored, abort))) return;
  const intervalMs = abort ? 0 : await nextRetryIntervalMs(writer, deps);
  if (intervalMs === undefined) return;
  if (parent && !(await tellParentOfAbort(writer, deps, parent, error, abort)))
    return;
  const at = now();
  // A retry is not waited for past the deadline: the workflow is claimed then, and cancelled.
  const retryAt = deadline.cap(at + intervalMs);
  const outcome = await writer.write(() =>
    store.recordFailure(writer.workflowId, writer.leaseToken, {
      error: stored,
      retryAt,
      maxFailures: options.maxFailures,
      abort,
      now: at,
    }),
  );
  if (outcome) {
    if (outcome.status === 'failed') deps.expectReady(retryAt);
    else deps.ended(writer.workflowId);
    tellFailure(deps, writer, error, outcome, retryAt);
    logger.warn(
      abort
        ? messages.workflowEndedAtOnce(writer.workflowId, error.message)
        : messages.workflowFailed(
            writer.workflowId,
            outcome.status,
            outcome.failures,
            error.message,
          ),
    );
  } else {
    void writer.loseLease();
  }
}

function tellFailure(
  deps: RunDependencies,
  writer: RunWriter,
  error: WorkflowError,
  outcome: { status: WorkflowStatus; failures: number },
  retryAt: number,
): void {
  const base = () => ({
    workflowId: writer.workflowId,
    workflowName: writer.workflowName,
    at: deps.now(),
    error: eventError(error),
    failures: outcome.failures,
  });
  if (outcome.status === 'failed')
    deps.events.emit('failed', () => ({ ...base(), retryAt }));
  else {
    deps.tracing.ended(writer.workflowName, 'aborted');
    deps.events.emit('aborted', base);
  }
}

/**
 * The wait before the workflow's next attempt, on the backoff from `retryIntervalMs`. With a
 * coefficient above 1 it depends on the failures so far, read from the store (one read, on the
 * failure path only); `undefined` when the run halted first.
 */
async function nextRetryIntervalMs(
  writer: RunWriter,
  deps: RunDependencies,
): Promise<number | undefined> {
  const { options } = deps;
  if (options.retryBackoffCoefficient === 1 || options.retryIntervalMs === 0)
    return options.retryIntervalMs;
  const stored = await writer.write(() =>
    deps.store.getWorkflow(writer.workflowId),
  );
  if (writer.halted.settled) return undefined;
  return workflowRetryIntervalMs(options, (stored?.failures ?? 0) + 1);
}

/**
 * A child about to fail for good (at once, or at its last allowed failure) tells its parent
 * first; `false` when the run halted meanwhile. The failure count is read from the store (only
 * the lease holder changes it).
 */
async function tellParentOfAbort(
  writer: RunWriter,
  deps: RunDependencies,
  parent: ParentLink,
  error: WorkflowError,
  abort: boolean,
): Promise<boolean> {
  const told = await writer.write(async () => {
    const failures = abort
      ? 0
      : ((await deps.store.getWorkflow(writer.workflowId))?.failures ?? 0);
    if (abort || failures + 1 >= deps.options.maxFailures) {
      await tellParent(deps, writer.workflowId, parent, {
        status: 'aborted',
        error,
      });
    }
    return true;
  });
  return told === true;
}
