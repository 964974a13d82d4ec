import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** A `@StartWorkflowOn` or `@SignalWorkflowOn` listens to a bus the app does not provide. */
export class EventBusMissingError extends LidexError {
  constructor(
    decorator: string,
    where: string,
    readonly packageName: string,
    readonly moduleName: string,
  ) {
    super(messages.eventBusMissing(decorator, where, packageName, moduleName));
  }
}
