import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** A Lidex option has a value it cannot work with. */
export class InvalidOptionsError extends LidexError {
  constructor(
    readonly option: string,
    value: unknown,
    expected: string,
  ) {
    super(messages.invalidOption(option, value, expected));
  }
}
