import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** A `@Workflow()` method lives on a provider that is not a singleton. */
export class RequestScopedWorkflowError extends LidexError {
  constructor(name: string, where: string) {
    super(messages.requestScopedWorkflow(name, where));
  }
}
