import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `cancel` or `retry` named a workflow id the store does not have. */
export class WorkflowNotFoundError extends LidexError {
  constructor(readonly workflowId: string) {
    super(messages.workflowNotFound(workflowId));
  }
}
