import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/**
 * The store could not be opened or reached, or its driver is not installed (`'opening'`, the
 * default); or a store that was open stopped serving calls because what it stores is gone
 * (`'stopped'`: a SQLite file deleted or replaced under the process).
 */
export class StoreUnavailableError extends LidexError {
  constructor(
    store: string,
    cause: unknown,
    readonly when: 'opening' | 'stopped' = 'opening',
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      when === 'opening'
        ? messages.storeUnavailable(store, reason)
        : messages.storeStopped(store, reason),
    );
    if (cause instanceof Error) this.cause = cause;
  }
}
