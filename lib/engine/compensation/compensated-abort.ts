import type { WorkflowError } from '../../model';
import { tellParent } from '../child-family';
import { eventError } from '../lifecycle-events';
import type { StepRun } from '../step-execution';

/** What the end of a compensated abort tells, read before that end is written. */
export interface CompensatedAbort {
  /** The error the workflow ends with, as stored (sealed when errors are encoded). */
  error: WorkflowError;
  /** Its failures, the one that ended it included (counted by `recordCompensatedAbort`). */
  failures: number;
}

/**
 * Writes the end of a compensated abort as a plain abort is written: `recordFailure` with
 * `abort`, so the failure that ended it is counted (`failures` reads the same on both paths)
 * and its error stored. `true` once written (or already, by this lease).
 */
export async function recordCompensatedAbort(
  run: StepRun,
  ending: CompensatedAbort,
): Promise<boolean> {
  const { writer, deps } = run;
  const now = deps.now();
  const outcome = await deps.store.recordFailure(
    run.workflowId,
    writer.leaseToken,
    {
      error: ending.error,
      retryAt: now,
      maxFailures: deps.options.maxFailures,
      abort: true,
      now,
    },
  );
  return outcome?.status === 'aborted';
}

/**
 * A workflow about to end `aborted` once compensated tells its parent first, as any abort does
 * (sent before the end is written: a crash between the two sends it again, stored once), so that
 * the parent's `executeChild()` throws a `ChildWorkflowError`. One read of the workflow, on this
 * path only: its parent, its failures and its error (unless `error`, a compensation that gave
 * up, replaces it). `undefined` when the run halted meanwhile.
 */
export async function tellCompensatedAbort(
  run: StepRun,
  error: WorkflowError | undefined,
): Promise<CompensatedAbort | undefined> {
  const { writer, deps } = run;
  const told = await writer.write(async () => {
    const stored = await deps.store.getWorkflow(run.workflowId);
    const ending: CompensatedAbort = {
      error: error ?? stored?.error ?? { name: 'Error', message: 'aborted' },
      failures: (stored?.failures ?? 0) + 1,
    };
    await tellParent(deps, run.workflowId, stored?.parent, {
      status: 'aborted',
      error: deps.values.openError(ending.error),
    });
    return ending;
  });
  return writer.halted.settled ? undefined : told;
}

/** Once the compensated abort is written: result() waiters here, metrics and the event. */
export function compensatedAbortEnded(
  run: StepRun,
  ending: CompensatedAbort,
): void {
  const { writer, deps } = run;
  deps.ended(run.workflowId);
  deps.tracing.ended(writer.workflowName, 'aborted');
  deps.events.emit('aborted', () => ({
    workflowId: run.workflowId,
    workflowName: writer.workflowName,
    at: deps.now(),
    error: eventError(deps.values.openError(ending.error)),
    failures: ending.failures,
  }));
}
