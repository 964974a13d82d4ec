import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** `LidexModule.forRoot()` (or `forRootAsync()`) was imported by more than one module of an app. */
export class ModuleImportedTwiceError extends LidexError {
  constructor(readonly count: number) {
    super(messages.moduleImportedTwice(count));
  }
}
