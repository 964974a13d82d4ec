import { messages } from '../lidex.messages';
import { LidexError } from './lidex.error';

/**
 * The store could not be opened or reached, or its driver is not installed (`'opening'`, the
 * default); a client call could not reach the store's database, which went away after it was
 * opened (`'unreachable'`: the call may be made again once the database is back); or a store
 * that was open stopped serving calls because what it stores is gone (`'stopped'`: a SQLite
 * file deleted or replaced under the process).
 */
export class StoreUnavailableError extends LidexError {
  constructor(
    store: string,
    cause: unknown,
    readonly when: 'opening' | 'unreachable' | 'stopped' = 'opening',
    /** For `'unreachable'`: the call that failed, and what it may have left in the store. */
    call?: { call: string; left: string },
  ) {
    // Not `instanceof Error`: a socket's error comes from Node's own realm, which Jest's is not.
    const message = (cause as { message?: unknown } | null)?.message;
    const reason = typeof message === 'string' ? message : String(cause);
    super(
      when === 'stopped'
        ? messages.storeStopped(store, reason)
        : when === 'unreachable' && call
          ? messages.storeUnreachable(store, call.call, reason, call.left)
          : messages.storeUnavailable(store, reason),
    );
    if (typeof cause === 'object' && cause !== null) this.cause = cause;
  }
}
