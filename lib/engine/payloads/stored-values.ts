import { PayloadCodecError } from '../../errors/payload-codec.error';
import { messages } from '../../lidex.messages';
import { decodeValue, encodeValue, requireEncodedSize } from '../codec';
import type { LazyText } from '../lazy-text';
import type { StoredStep, WorkflowError } from '../../model';
import { describeSealed } from './aes-gcm-format';
import type { PayloadCodec } from './payload-codec';
import type { PayloadContext } from '../../model/payload-context';

/**
 * Turns a stored value (`context` where it belongs) into what a reader sees: decoded, or
 * described when it cannot be.
 */
export type ValueReader = (stored: string, context: PayloadContext) => unknown;

/**
 * The values of one engine as its store keeps them: serialised (`codec.ts`), then passed through
 * the payload codec when one is configured. Without one, `seal` and `open` hand the text on as it
 * is, and a step costs what it did before codecs existed.
 */
export class StoredValues {
  /**
   * Decodes the value stored at `context`, or throws a `PayloadCodecError`: what runs and
   * `get()` use.
   */
  readonly decode: <T = unknown>(stored: string, context: PayloadContext) => T;
  /** Whether errors are encoded too (the codec's `errors`). */
  readonly errors: boolean;

  constructor(private readonly codec: PayloadCodec | null) {
    this.errors = codec?.errors === true;
    this.decode =
      codec === null
        ? <T>(stored: string): T => decodePlain<T>(stored)
        : <T>(stored: string, context: PayloadContext): T =>
            decodeValue<T>(codec.decode(stored, context));
  }

  /** Serialises and seals `value`, bound to `context`; `what` names it in errors. */
  encode(
    value: unknown,
    context: PayloadContext,
    what: LazyText,
    maxBytes?: number,
  ): string {
    return this.seal(
      encodeValue(value, what, maxBytes),
      context,
      what,
      maxBytes,
    );
  }

  /** What the store keeps at `context` for a value already serialised (`encodeValue`). */
  seal(
    text: string,
    context: PayloadContext,
    what: LazyText,
    maxBytes?: number,
  ): string {
    if (this.codec === null) return text;
    const sealed = this.codec.encode(text, context);
    requireEncodedSize(sealed, what, maxBytes);
    return sealed;
  }

  /**
   * Decodes for a reader that shows values rather than computing with them (the dashboard): a
   * value this process cannot decode reads as its description, `encrypted (key k1)`; one that
   * belongs elsewhere (copied from another workflow or field) as such.
   */
  readonly display: ValueReader = (stored, context) => {
    try {
      return this.decode(stored, context);
    } catch (error) {
      if (!(error instanceof PayloadCodecError)) throw error;
      if (error.misplaced && error.keyId !== undefined)
        return messages.payloadNotHere(error.keyId);
      return this.describe(stored);
    }
  };

  /**
   * What the store keeps for an error: as it is, unless the codec encodes errors; then its name,
   * and its message and stack encoded in `encoded` (`message` saying it is encrypted). An error
   * already encoded (read back from the store) is kept as it is.
   */
  sealError(error: WorkflowError): WorkflowError {
    if (!this.errors || error.encoded !== undefined) return error;
    const text = encodeValue(
      error.stack === undefined
        ? { message: error.message }
        : { message: error.message, stack: error.stack },
      'an error message',
    );
    const encoded = this.codec!.encode(text);
    return { name: error.name, message: this.describe(encoded), encoded };
  }

  /**
   * An error as a reader sees it: decoded when it was encoded; when this process cannot decode
   * it, its message says so (`encrypted (key k1)`). Never throws for an error it cannot read.
   */
  readonly openError = (error: WorkflowError): WorkflowError => {
    if (error.encoded === undefined) return error;
    let opened: { message?: unknown; stack?: unknown };
    try {
      // Errors are not bound to a place (they are copied between records as they are).
      opened =
        this.codec === null
          ? decodePlain(error.encoded)
          : decodeValue(this.codec.decode(error.encoded));
    } catch (thrown) {
      if (!(thrown instanceof PayloadCodecError)) throw thrown;
      return { name: error.name, message: this.describe(error.encoded) };
    }
    return {
      name: error.name,
      message: typeof opened?.message === 'string' ? opened.message : '',
      ...(typeof opened?.stack === 'string' ? { stack: opened.stack } : {}),
    };
  };

  /**
   * A stored workflow (or summary) with its errors opened (`openError`): its own, and those of
   * its attempt and compensation records. Handed back as it is when it holds no encoded error.
   */
  readonly openErrors = <
    T extends { error?: WorkflowError; steps?: readonly StoredStep[] },
  >(
    stored: T,
  ): T => {
    const steps = stored.steps?.some(holdsEncodedError)
      ? stored.steps.map((step) =>
          holdsEncodedError(step) ? this.openRecord(step) : step,
        )
      : stored.steps;
    if (stored.error?.encoded === undefined && steps === stored.steps)
      return stored;
    return {
      ...stored,
      ...(stored.error ? { error: this.openError(stored.error) } : {}),
      ...(steps ? { steps } : {}),
    };
  };

  /** An attempt's record (`{ name, message }`) or a compensation's (`{ ok, error }`), opened. */
  private openRecord(step: StoredStep): StoredStep {
    let parsed: WorkflowError & { error?: WorkflowError };
    try {
      parsed = JSON.parse(step.result!) as typeof parsed;
    } catch {
      return step;
    }
    const opened =
      step.kind === 'compensation'
        ? parsed.error && { ...parsed, error: this.openError(parsed.error) }
        : this.openError(parsed);
    return opened ? { ...step, result: JSON.stringify(opened) } : step;
  }

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

const ERROR_RECORDS = new Set([
  'attempt',
  'compensation-attempt',
  'compensation',
]);

/** Whether a record is an error's (an attempt's, a compensation's) and holds one encoded. */
function holdsEncodedError(step: StoredStep): boolean {
  return (
    ERROR_RECORDS.has(step.kind) &&
    step.result !== undefined &&
    step.result.includes('"encoded":')
  );
}
