import type { WorkflowError } from '../model';
import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/**
 * `result()` of a cancelled workflow. `reason` is why, when the cancel said (a deadline that
 * passed: a `DeadlineExceededError`); absent for a cancel by `cancel()`.
 */
export class WorkflowCancelledError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly reason?: WorkflowError,
  ) {
    super(messages.workflowCancelledNoResult(workflowId, reason?.message));
  }
}
