import type { ClaimedWorkflow, WorkflowError } from '../../model';
import type { RunDependencies } from '../run-dependencies';
import { RunDeadline } from '../run-deadline';
import type { RunWriter } from '../run-writer';
import type { StepRun } from '../step-execution';
import type { WorkflowRun } from '../workflow-run';
import { WorkflowRoom } from '../workflow-room';
import { compensatingEnd } from './compensation-records';
import { beginCompensating, runCompensations } from './run-compensations';

const stepRun = (
  claimed: ClaimedWorkflow,
  writer: RunWriter,
  deps: RunDependencies,
): StepRun => ({
  workflowId: claimed.id,
  writer,
  deps,
  room: new WorkflowRoom(claimed, deps.store, deps.logger),
  // Compensations undo what the workflow did: its deadline does not cut them short.
  deadline: new RunDeadline(undefined, writer, deps),
});

/** How the claimed workflow ends once compensated, when it is compensating. */
export const compensatingClaim = (claimed: ClaimedWorkflow) =>
  compensatingEnd(claimed.steps);

/**
 * A run whose code failed for good with compensations registered: instead of recording it
 * aborted, it begins compensating (status `compensating`, the failure kept as its error), runs
 * the compensations, and ends `aborted`. `false` when the failure does not end the workflow
 * (it is retried as usual, compensations and all).
 */
export function abortCompensator(
  claimed: ClaimedWorkflow,
  writer: RunWriter,
  deps: RunDependencies,
  run: WorkflowRun,
): ((error: WorkflowError, abort: boolean) => Promise<boolean>) | undefined {
  if (run.compensations.length === 0 || !deps.store.recordCompensationStatus)
    return undefined;
  return async (error, abort) => {
    if (!abort) {
      const stored = await writer.write(() =>
        deps.store.getWorkflow(claimed.id),
      );
      if (writer.halted.settled || !stored) return true;
      if (stored.failures + 1 < deps.options.maxFailures) return false;
    }
    const steps = stepRun(claimed, writer, deps);
    if (!(await beginCompensating(steps, 'aborted', claimed.steps, error))) {
      void writer.loseLease();
      return true;
    }
    await runCompensations(steps, claimed.steps, run.compensations, 'aborted');
    return true;
  };
}

/**
 * A claim of a compensating workflow: replays its code from the records (no step runs again;
 * the replay ends at the first call with nothing recorded) to gather its compensations, then
 * runs those not yet recorded, and ends the workflow as its `compensating` record says.
 */
export async function compensateClaimed(
  claimed: ClaimedWorkflow,
  writer: RunWriter,
  deps: RunDependencies,
  run: WorkflowRun,
  replay: Promise<unknown>,
): Promise<void> {
  const end = compensatingEnd(claimed.steps)!;
  const halted = writer.halted.promise.then(() => 'halted' as const);
  const replayed = await Promise.race([
    replay.then(() => 'done' as const),
    run.replayEnded.promise.then(() => 'done' as const),
    halted,
  ]);
  if (replayed === 'halted') return;
  const steps = stepRun(claimed, writer, deps);
  if (!(await beginCompensating(steps, end, claimed.steps))) {
    void writer.loseLease();
    return;
  }
  await runCompensations(steps, claimed.steps, run.compensations, end);
}
