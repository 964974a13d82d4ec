import { ValueNotStorableError } from '../../errors/value-not-storable.error';
import { messages } from '../../lidex.messages';

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

function isTooLarge(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (
    code === 10334 ||
    code === 17419 ||
    code === 17420 ||
    /too large|larger than the maximum/i.test(message)
  );
}

/** Turns "document too large" failures into the error users get for any unstorable value. */
export async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isTooLarge(error)) {
      throw new ValueNotStorableError(
        messages.documentTooLarge(
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
    throw error;
  }
}

/**
 * The driver's errors for a server it could not reach: none selectable in time
 * (`MongoServerSelectionError`), or a connection refused, lost or timed out
 * (`MongoNetworkError` and its subclasses: `MongoNetworkTimeoutError`, `MongoPoolClearedError`
 * after another operation's connection failed). By class, up the error's prototype chain, as the
 * driver is loaded lazily. A server's own refusal (`MongoServerError`, with a code) is none.
 */
export function isUnreachable(error: unknown): boolean {
  for (
    let proto: unknown = typeof error === 'object' ? error : undefined;
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto as { constructor?: { name?: string } }).constructor
      ?.name;
    if (name === 'MongoNetworkError' || name === 'MongoServerSelectionError')
      return true;
    if (name === 'MongoServerError') return false;
  }
  // As on the SQL stores: what the server did not refuse, and no bug threw, is the connection's
  // (a plain Error reached a call once in about nine FerretDB outages).
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { constructor?: { name?: string } }).constructor?.name === 'Error'
  );
}
