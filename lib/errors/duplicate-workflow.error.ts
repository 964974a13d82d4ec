import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** Two `@Workflow()` methods share one name. */
export class DuplicateWorkflowError extends LidexError {
  constructor(name: string, first: string, second: string) {
    super(messages.duplicateWorkflow(name, first, second));
  }
}
