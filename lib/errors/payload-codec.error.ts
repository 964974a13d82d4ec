import { LidexError } from './lidex.error';

/**
 * A stored value cannot be decoded: it was encrypted with a key this process does not have
 * (`keyId` names it), or its ciphertext does not authenticate with that key, or it was written by
 * a codec this engine is not configured with, or it belongs to another workflow or field. Nothing is decoded wrong: the read throws, or the
 * workflow that needs the value fails with this error.
 */
export class PayloadCodecError extends LidexError {
  constructor(
    message: string,
    /** The key id the value names, when it names one. */
    readonly keyId?: string,
    /**
     * `true` when the value decrypts, but belongs to another place: it was copied in the store
     * from another workflow, step or field (its binding, `PayloadContext`, differs).
     */
    readonly misplaced?: boolean,
  ) {
    super(message);
  }
}
