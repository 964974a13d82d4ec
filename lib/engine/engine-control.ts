import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { messages } from '../lidex.messages';
import { requireWorkflowId } from './arguments';
import { cancelWithFamily } from './child-family';
import type { EngineParts } from './engine-wiring';
import { deleteEnded } from './retention/engine-retention';

// What an operator (or the app) does to one workflow from outside its run: cancel it, terminate
// it, run it again, delete it. Each stops the runs of it under way here when it ends it.

type ControlParts = Pick<
  EngineParts,
  'run' | 'worker' | 'ends' | 'requireOpen'
>;

/** `cancel()`: ends it through its compensations, its parent told and its children cancelled. */
export async function cancelWorkflow(
  { run, worker, ends, requireOpen }: ControlParts,
  id: string,
): Promise<boolean> {
  requireOpen('cancel()');
  requireWorkflowId(id);
  // The runs to stop are those under way now: by the time the store answers, a retry may
  // have started a new one here, which must go on.
  const runs = worker.runsOf(id);
  // Its parent told first, its 'cancel' children after (child-family.ts).
  const { cancelled, status } = await cancelWithFamily(
    run.family,
    id,
    run.now(),
    { compensate: true },
  );
  if (cancelled === undefined) throw new WorkflowNotFoundError(id);
  // Already compensating: the store left it to its compensations, and so does this process (a
  // run halted here would leave the rest of them until its lease lapsed).
  if (cancelled && status !== 'compensating') {
    for (const running of runs) running.halt('cancelled');
    // Compensating, ready now: this worker may take it at once.
    worker.nudge();
    run.events.emit('cancelled', () => ({
      workflowId: id,
      at: run.now(),
    }));
    ends.ended(id);
    run.logger.log(messages.workflowCancelled(id));
  }
  return cancelled;
}

/**
 * `terminate()`: ends it as `cancelled` without its compensations; like a cancel, its parent is
 * told and its 'cancel' children are cancelled (a parent waiting on it would wait for ever).
 */
export async function terminateWorkflow(
  { run, worker, ends, requireOpen }: ControlParts,
  id: string,
): Promise<boolean> {
  requireOpen('terminate()');
  requireWorkflowId(id);
  const runs = worker.runsOf(id);
  const { cancelled: terminated } = await cancelWithFamily(
    run.family,
    id,
    run.now(),
  );
  if (terminated === undefined) throw new WorkflowNotFoundError(id);
  if (terminated) {
    for (const running of runs) running.halt('cancelled');
    run.events.emit('cancelled', () => ({
      workflowId: id,
      at: run.now(),
      terminated: true,
    }));
    ends.ended(id);
    run.logger.log(messages.workflowTerminated(id));
  }
  return terminated;
}

/** `retry()`: runs an aborted, failed or cancelled workflow again, unless it was compensated. */
export async function retryWorkflow(
  { run, worker, requireOpen }: ControlParts,
  id: string,
): Promise<boolean> {
  requireOpen('retry()');
  requireWorkflowId(id);
  // A compensated workflow was undone: running it again would redo what was undone.
  const stored = await run.store.getWorkflow(id);
  if (stored?.steps.some((step) => step.kind === 'compensating')) return false;
  const retried = await run.store.retryWorkflow(id, run.now());
  if (retried === undefined) throw new WorkflowNotFoundError(id);
  if (retried) {
    run.logger.log(messages.workflowRetried(id));
    worker.nudge();
  }
  return retried;
}

/** `delete()`: an ended workflow with its records and signals. */
export async function deleteWorkflow(
  { run, requireOpen }: Pick<EngineParts, 'run' | 'requireOpen'>,
  id: string,
): Promise<void> {
  requireOpen('delete()');
  requireWorkflowId(id);
  await deleteEnded(run.store, id);
  run.logger.log(messages.workflowDeleted(id));
}
