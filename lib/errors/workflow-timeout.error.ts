import type { WorkflowStatus } from '../model';
import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `result()` waited its `timeoutMs` and the workflow had not ended: it goes on, unchanged. */
export class WorkflowTimeoutError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly timeoutMs: number,
    /** The workflow's status at the last look. */
    readonly status: WorkflowStatus,
  ) {
    super(messages.resultTimedOut(workflowId, timeoutMs, status));
  }
}
