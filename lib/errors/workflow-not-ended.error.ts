import type { WorkflowStatus } from '../model';
import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `delete` named a workflow that has not ended: it is kept, and goes on. */
export class WorkflowNotEndedError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly status: WorkflowStatus,
  ) {
    super(messages.workflowNotEnded(workflowId, status));
  }
}
