import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/** The store could not be opened or reached, or its driver is not installed. */
export class StoreUnavailableError extends LidexError {
  constructor(store: string, cause: unknown) {
    super(
      messages.storeUnavailable(
        store,
        cause instanceof Error ? cause.message : String(cause),
      ),
    );
    if (cause instanceof Error) this.cause = cause;
  }
}
