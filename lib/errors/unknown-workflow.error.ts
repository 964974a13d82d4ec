import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `start` named a workflow that no `@Workflow()` method (or handler) provides. */
export class UnknownWorkflowError extends LidexError {
  constructor(
    readonly workflowName: string,
    known: readonly string[],
  ) {
    super(messages.unknownWorkflow(workflowName, known));
  }
}
