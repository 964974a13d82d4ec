import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** One step (or sleep, wait, signal sent) id was used twice in one run of a workflow. */
export class DuplicateStepIdError extends LidexError {
  constructor(
    readonly workflowId: string,
    readonly kind: 'step' | 'sleep' | 'waitForSignal' | 'signal' | 'startChild',
    readonly stepId: string,
  ) {
    super(messages.duplicateStepId(workflowId, kind, stepId));
  }
}
