import type { WorkflowError } from '../model';
import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `result()` of a workflow that failed for good (`aborted`): it carries the workflow's error. */
export class WorkflowAbortedError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly error: WorkflowError,
  ) {
    super(messages.workflowAborted(workflowId, error.message));
  }
}
