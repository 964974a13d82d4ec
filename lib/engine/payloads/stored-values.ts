import { PayloadCodecError } from '../../errors/payload-codec.error';
import { messages } from '../../lidex.messages';
import { decodeValue, encodeValue, requireEncodedSize } from '../codec';
import type { LazyText } from '../lazy-text';
import { describeSealed } from './aes-gcm-format';
import type { PayloadCodec } from './payload-codec';

/** Turns a stored value into what a reader sees: decoded, or described when it cannot be. */
export type ValueReader = (stored: string) => unknown;

/**
 * The values of one engine as its store keeps them: serialised (`codec.ts`), then passed through
 * the payload codec when one is configured. Without one, `seal` and `open` hand the text on as it
 * is, and a step costs what it did before codecs existed.
 */
export class StoredValues {
  /** Decodes, or throws a `PayloadCodecError`: what runs and `get()` use. */
  readonly decode: <T = unknown>(stored: string) => T;

  constructor(private readonly codec: PayloadCodec | null) {
    this.decode =
      codec === null
        ? <T>(stored: string): T => decodePlain<T>(stored)
        : <T>(stored: string): T => decodeValue<T>(codec.decode(stored));
  }

  /** Serialises and seals `value`; `what` names it in errors. */
  encode(value: unknown, what: LazyText, maxBytes?: number): string {
    return this.seal(encodeValue(value, what, maxBytes), what, maxBytes);
  }

  /** What the store keeps for a value already serialised (`encodeValue`). */
  seal(text: string, what: LazyText, maxBytes?: number): string {
    if (this.codec === null) return text;
    const sealed = this.codec.encode(text);
    requireEncodedSize(sealed, what, maxBytes);
    return sealed;
  }

  /**
   * Decodes for a reader that shows values rather than computing with them (the dashboard): a
   * value this process cannot decode reads as its description, `encrypted (key k1)`.
   */
  readonly display: ValueReader = (stored) => {
    try {
      return this.decode(stored);
    } catch (error) {
      if (!(error instanceof PayloadCodecError)) throw error;
      return this.describe(stored);
    }
  };

  private describe(stored: string): string {
    const own = this.codec?.describe?.(stored);
    if (own !== undefined) return own;
    const sealed = describeSealed(stored);
    return sealed === undefined
      ? messages.payloadUndecodable()
      : messages.payloadEncrypted(sealed.keyId);
  }
}

/**
 * A value read without a codec. Text that is not JSON was written by a codec (an encrypted value
 * names its key): a clear error, never a parse error or a wrong value.
 */
function decodePlain<T>(stored: string): T {
  try {
    return decodeValue<T>(stored);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const keyId = describeSealed(stored)?.keyId;
    throw new PayloadCodecError(messages.payloadNeedsCodec(keyId), keyId);
  }
}
