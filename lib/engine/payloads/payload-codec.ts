import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import type { PayloadContext } from '../../model/payload-context';

/**
 * Transforms every value Lidex stores from user code (workflow inputs and results, step results,
 * signal payloads, child results, schedule inputs) after it is serialised to text and before the
 * store sees it, and back when it is read. The AES-256-GCM codec (`aesGcmCodec`) is one; a codec
 * of your own (a KMS envelope, compression) implements this.
 *
 * Both calls are synchronous: they run on every step, and a step costs no more than the codec.
 */
export interface PayloadCodec {
  /**
   * What stores keep for `text` (the value as Lidex serialises it, JSON text). `context` says
   * where the value belongs (its workflow and field); a codec that authenticates it (as the
   * AES-GCM codec does) makes a value copied elsewhere in the store fail to decode. Lidex always
   * passes it; a codec may ignore it.
   */
  encode(text: string, context?: PayloadContext): string;
  /**
   * The text `encode` was given, from what it returned. It is also handed values stored before
   * the codec was configured (JSON text, which starts with one of `{["-0123456789tfn`): answer
   * those unchanged. Throw (a `PayloadCodecError` naming the fix) when a value cannot be decoded;
   * never answer something else. `context` is the place the value is read at, the same one it
   * was encoded for.
   */
  decode(stored: string, context?: PayloadContext): string;
  /**
   * What a reader without the means to decode `stored` is shown instead (the dashboard of a
   * process without the key): `encrypted (key k1)`. `undefined` when `stored` is not this
   * codec's.
   */
  describe?(stored: string): string | undefined;
  /**
   * `true` to encode errors too: the message and stack of every error Lidex stores (a workflow's
   * failure, a failed step attempt, a compensation that gave up). Their class name stays plain.
   * Off by default.
   */
  readonly errors?: boolean;
}

/** Refuses what is not a codec, when the engine is built rather than at the first step. */
export function requireCodec(option: string, codec: unknown): void {
  if (codec === null || codec === undefined) return;
  const calls = codec as Partial<Record<keyof PayloadCodec, unknown>>;
  if (
    typeof codec !== 'object' ||
    typeof calls.encode !== 'function' ||
    typeof calls.decode !== 'function' ||
    (calls.describe !== undefined && typeof calls.describe !== 'function') ||
    (calls.errors !== undefined && typeof calls.errors !== 'boolean')
  )
    throw new InvalidOptionsError(option, codec, messages.notACodec());
}
