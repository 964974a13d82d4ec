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
 * The driver's errors for a server it could not reach: none selectable in time, or a connection
 * refused, lost or timed out (`MongoNetworkTimeoutError` and the other subclasses keep the name's
 * start). A server's own refusal (`MongoServerError`, with a code) is none of them.
 */
export function isUnreachable(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'MongoServerSelectionError' || name.startsWith('MongoNetwork')
  );
}
