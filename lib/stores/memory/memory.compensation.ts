import type {
  CompensationStatusChange,
  StoredStep,
  StoredWorkflow,
} from '../persistence';

/** Whether the workflow holds a record of kind `compensable` (a step with a compensation ran). */
export const hasCompensable = (workflow: StoredWorkflow): boolean =>
  workflow.steps.some((step) => step.kind === 'compensable');

/** The record a cancel that compensates adds: the compensations begin, then it is cancelled. */
export const cancelledBegin = (now: number): StoredStep => ({
  kind: 'compensating',
  id: 'cancelled',
  recordedAt: now,
});

/** Applies a compensating run's change of status to a workflow it holds. */
export function applyCompensationStatus(
  workflow: StoredWorkflow,
  change: CompensationStatusChange,
): void {
  workflow.status = change.status;
  if (change.error) workflow.error = { ...change.error };
  workflow.updatedAt = change.now;
}
