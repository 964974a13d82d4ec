/**
 * The life of a workflow, shared by the engine and every store: statuses, the statuses each
 * operation moves, counts and the error a failed workflow keeps.
 */

/**
 * The life of a workflow, as in the original Lidex, plus `cancelled` (by `LidexClient.cancel`)
 * and `compensating` (cancelled or aborted, its steps' compensations running).
 */
export type WorkflowStatus =
  | 'idle'
  | 'running'
  | 'failed'
  | 'finished'
  | 'aborted'
  | 'cancelled'
  | 'compensating';

export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'idle',
  'running',
  'failed',
  'finished',
  'aborted',
  'cancelled',
  'compensating',
];

/** Statuses a workflow never leaves on its own; `retry` moves the last two back to `idle`. */
export const TERMINAL_STATUSES: readonly WorkflowStatus[] = [
  'finished',
  'aborted',
  'cancelled',
];

/** Statuses `retryWorkflow` moves back to `idle`. */
export const RETRYABLE_STATUSES: readonly WorkflowStatus[] = [
  'aborted',
  'failed',
  'cancelled',
];

/**
 * Statuses `cancelWorkflow` moves to `cancelled` (or, asked to compensate, to `compensating`; a
 * workflow already `compensating` is then left to its compensations).
 */
export const CANCELLABLE_STATUSES: readonly WorkflowStatus[] = [
  'idle',
  'running',
  'failed',
  'compensating',
];

/** How many workflows have each status. */
export type WorkflowCounts = Record<WorkflowStatus, number>;

/** Counts with every status at 0, for `countWorkflows` to fill in. */
export function noCounts(): WorkflowCounts {
  return Object.fromEntries(
    WORKFLOW_STATUSES.map((status) => [status, 0]),
  ) as WorkflowCounts;
}

/** An error as stored with a failed workflow. */
export interface WorkflowError {
  name: string;
  message: string;
  stack?: string;
  /**
   * As stored by an engine whose codec encodes errors (`errors: true`): the message and stack,
   * encoded; `message` then only says so (`encrypted (key k1)`) and `stack` is absent. Readers
   * with the codec are handed the error decoded, without this field.
   */
  encoded?: string;
}
