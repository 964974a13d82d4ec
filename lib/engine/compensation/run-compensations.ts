import { eventError } from '../lifecycle-events';
import { messages } from '../../lidex.messages';
import type { StoredStep, WorkflowError } from '../../model';
import { never } from '../deferred';
import { runAttempts, type StepRun } from '../step-execution';
import { attemptsByStep } from '../step-attempts';
import type { ResolvedRetryPolicy, StepAttempt } from '../step-policy';
import { describeError, toWorkflowError } from '../workflow-error';
import {
  compensatedAbortEnded,
  recordCompensatedAbort,
  tellCompensatedAbort,
} from './compensated-abort';
import {
  type CompensatedEnd,
  type CompensationOutcome,
  compensationRunId,
  recordedOutcomes,
} from './compensation-records';

/** A step's compensation, as the workflow's code gave it, with the step's result. */
export interface Compensation {
  stepId: string;
  run: (attempt: StepAttempt) => unknown;
  policy: { retry: ResolvedRetryPolicy; timeoutMs?: number };
}

/**
 * Runs the compensations not yet recorded, in reverse order of their steps, each attempt by
 * attempt under its step's policy, each outcome recorded with one fenced write; then ends the
 * workflow (`end`), its error the first compensation that gave up (or `failure`, when aborted).
 * A run that loses its lease stops where it is: the next claim goes on from the records.
 */
export async function runCompensations(
  run: StepRun,
  records: readonly StoredStep[],
  compensations: readonly Compensation[],
  end: CompensatedEnd,
  failure?: WorkflowError,
): Promise<void> {
  // A halted run (its lease lost, the workflow terminated, shutdown) ends when it halts, as the
  // workflow's code does: what it awaits then never settles, and a run that never ends keeps its
  // room in the worker (a worker at `concurrency: 1` ran nothing more) and holds up close().
  await Promise.race([
    compensate(run, records, compensations, end, failure),
    run.writer.halted.promise,
  ]);
}

async function compensate(
  run: StepRun,
  records: readonly StoredStep[],
  compensations: readonly Compensation[],
  end: CompensatedEnd,
  failure: WorkflowError | undefined,
): Promise<void> {
  const { writer, deps } = run;
  const store = deps.store;
  const done = recordedOutcomes(records);
  const attempts = attemptsByStep(records, 'compensation-attempt');
  let gaveUp = [...done.values()].find((outcome) => !outcome.ok);
  for (const compensation of [...compensations].reverse()) {
    if (done.has(compensation.stepId)) continue;
    const id = compensationRunId(compensation.stepId);
    let outcome: CompensationOutcome;
    let startedAt: number | undefined;
    try {
      const ran = await runAttempts(
        run,
        id,
        compensation.run,
        compensation.policy,
        attempts.get(id) ?? [],
        'compensation-attempt',
      );
      outcome = { ok: true };
      startedAt = ran.startedAt;
    } catch (error) {
      outcome = { ok: false, error: toWorkflowError(error) };
      deps.logger.warn(
        messages.compensationGaveUp(
          run.workflowId,
          compensation.stepId,
          describeError(error),
        ),
      );
    }
    if (writer.halted.settled) return never();
    const now = deps.now();
    const record: StoredStep = {
      kind: 'compensation',
      id: compensation.stepId,
      result: JSON.stringify(
        outcome.ok
          ? outcome
          : {
              ok: false,
              error: deps.values.sealError({
                name: outcome.error.name,
                message: outcome.error.message,
              }),
            },
      ),
      ...(startedAt === undefined ? {} : { startedAt }),
      recordedAt: now,
    };
    const written = await writer.leaseSettingWrite((at) =>
      store.recordStep(run.workflowId, writer.leaseToken, record, {
        readyAt: at + deps.options.timeoutIntervalMs,
        release: false,
        now: at,
      }),
    );
    if (!written) return never();
    const told = outcome;
    deps.events.emit('compensated', () => ({
      workflowId: run.workflowId,
      workflowName: writer.workflowName,
      at: now,
      stepId: compensation.stepId,
      ...(told.ok ? {} : { error: eventError(told.error) }),
    }));
    if (!outcome.ok) gaveUp ??= outcome;
  }
  const error =
    gaveUp && !gaveUp.ok
      ? deps.values.sealError({
          name: 'CompensationError',
          message: messages.compensationFailedError(
            // Read back from its record after a restart, it may be encoded.
            deps.values.openError(gaveUp.error).message,
          ),
        })
      : failure && deps.values.sealError(failure);
  const aborting =
    end === 'aborted' ? await tellCompensatedAbort(run, error) : undefined;
  if (writer.halted.settled) return never();
  const ended = await writer.write(() =>
    aborting
      ? recordCompensatedAbort(run, aborting)
      : store.recordCompensationStatus!(run.workflowId, writer.leaseToken, {
          status: end,
          ...(error ? { error } : {}),
          now: deps.now(),
        }),
  );
  if (ended) {
    if (aborting) {
      compensatedAbortEnded(run, aborting);
      // Why it aborted, in the same words as a plain abort's warning.
      deps.logger.warn(
        messages.workflowFailed(
          run.workflowId,
          'aborted',
          aborting.failures,
          deps.values.openError(aborting.error).message,
        ),
      );
    }
    deps.logger.log(
      messages.workflowCompensated(run.workflowId, end, gaveUp !== undefined),
    );
  } else void writer.loseLease();
}

/**
 * Begins compensating in the run that holds the workflow: records `compensating` (how it will
 * end) and sets the status, both fenced; `false` when the lease was lost.
 */
export async function beginCompensating(
  run: StepRun,
  end: CompensatedEnd,
  records: readonly StoredStep[],
  error?: WorkflowError,
): Promise<boolean> {
  const { writer, deps } = run;
  if (!records.some((step) => step.kind === 'compensating')) {
    const written = await writer.leaseSettingWrite((at) =>
      deps.store.recordStep(
        run.workflowId,
        writer.leaseToken,
        { kind: 'compensating', id: end, recordedAt: at },
        {
          readyAt: at + deps.options.timeoutIntervalMs,
          release: false,
          now: at,
        },
      ),
    );
    if (!written) return false;
  }
  const stored = error && deps.values.sealError(error);
  const set = await writer.write(() =>
    deps.store.recordCompensationStatus!(run.workflowId, writer.leaseToken, {
      status: 'compensating',
      ...(stored ? { error: stored } : {}),
      now: deps.now(),
    }),
  );
  return set === true;
}
