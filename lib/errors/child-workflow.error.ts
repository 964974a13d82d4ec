import type { WorkflowError } from '../model';
import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/**
 * Thrown in a parent by a child's `result()` (and `ctx.executeChild()`) when the child failed for
 * good (`aborted`) or was cancelled (by a client, its deadline, or its parent): it carries the
 * child's id, how it ended, and its error (the cancel's reason, such as a
 * `DeadlineExceededError`). The parent may catch it; uncaught, the parent ends as aborted, since
 * running it again cannot change how the child ended.
 */
export class ChildWorkflowError extends LidexError {
  constructor(
    readonly childId: string,
    readonly status: 'aborted' | 'cancelled',
    readonly error: WorkflowError,
  ) {
    super(messages.childWorkflowEnded(childId, status, error.message));
  }
}
