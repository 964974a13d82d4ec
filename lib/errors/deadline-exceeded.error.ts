import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/**
 * Why a workflow started with `timeoutMs` was cancelled: its deadline passed before it ended.
 * Stored as the workflow's error (`get()`, the dashboard) and the `reason` of the
 * `WorkflowCancelledError` its `result()` throws; compare with `DeadlineExceededError.name`.
 */
export class DeadlineExceededError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly deadlineAt: number,
  ) {
    super(messages.deadlineExceeded(workflowId, deadlineAt));
  }
}
