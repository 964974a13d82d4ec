import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** A client or engine call made after Lidex was closed (`app.close()`, `LidexEngine.close()`). */
export class LidexClosedError extends LidexError {
  constructor(readonly call: string) {
    super(messages.lidexClosed(call));
  }
}
