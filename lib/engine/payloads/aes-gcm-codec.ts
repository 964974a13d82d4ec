import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { PayloadCodecError } from '../../errors/payload-codec.error';
import { messages } from '../../lidex.messages';
import {
  AES_GCM_PREFIX,
  BOUND_VERSION,
  describeSealed,
  KEY_ID_PATTERN,
} from './aes-gcm-format';
import type { PayloadCodec } from './payload-codec';
import { contextBytes, type PayloadContext } from '../../model/payload-context';

/** What `aesGcmCodec()` takes. */
export interface AesGcmCodecOptions {
  /**
   * Every key that may have encrypted a stored value, by key id: 32 bytes each, as a `Buffer` or
   * as text in base64 or hex (`openssl rand -base64 32`). Keep retired keys listed for as long as
   * values encrypted with them may be read.
   */
  keys: Readonly<Record<string, Buffer | Uint8Array | string>>;
  /** The id (in `keys`) of the key new values are encrypted with. */
  current: string;
  /**
   * `true` to encrypt the message and stack of every error Lidex stores too (a workflow's
   * failure, failed step attempts, compensations that gave up); their class name stays plain.
   * Default `false`.
   */
  errors?: boolean;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * A payload codec that encrypts each value with AES-256-GCM (Node's `crypto`): a random 96-bit IV
 * per value, its authentication tag, and the id of its key, so that keys rotate: encrypt with
 * `current`, decrypt with whichever listed key a value names. Each value is bound to where it
 * belongs (the `PayloadContext`, authenticated as GCM's additional data): copied in the store to
 * another workflow, step or field, it does not decrypt there. Values stored before encryption
 * (plain JSON), and encrypted before binding existed (no version tag), still read. A value whose key is not listed, or that does not authenticate, is a
 * `PayloadCodecError` naming the key; nothing is ever decoded wrong.
 */
export function aesGcmCodec(options: AesGcmCodecOptions): PayloadCodec {
  const keys = readKeys(options);
  const current = keys.get(options.current)!;
  const prefix = `${AES_GCM_PREFIX}${options.current}:`;
  return {
    errors: options.errors === true,
    encode(text, context?: PayloadContext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current, iv);
      const aad = context && contextBytes(context);
      if (aad) cipher.setAAD(aad);
      const ciphertext = Buffer.concat([
        cipher.update(text, 'utf8'),
        cipher.final(),
      ]);
      const tag = cipher.getAuthTag();
      const sealed = `${iv.toString('base64')}:${tag.toString('base64')}:${ciphertext.toString('base64')}`;
      return aad
        ? `${AES_GCM_PREFIX}${BOUND_VERSION}:${options.current}:${placeDigest(aad)}:${sealed}`
        : `${prefix}${sealed}`;
    },
    decode(stored, context?: PayloadContext) {
      if (!stored.startsWith(AES_GCM_PREFIX)) return stored;
      const parts = describeSealed(stored);
      if (parts === undefined)
        throw new PayloadCodecError(messages.payloadMalformed());
      const key = keys.get(parts.keyId);
      if (key === undefined) {
        throw new PayloadCodecError(
          messages.payloadKeyMissing(parts.keyId, [...keys.keys()]),
          parts.keyId,
        );
      }
      const iv = Buffer.from(parts.iv, 'base64');
      const tag = Buffer.from(parts.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
        throw new PayloadCodecError(messages.payloadMalformed(), parts.keyId);
      // A bound value decrypts only where it was written; an unbound one (written before
      // binding existed) is read as it was.
      let aad: Buffer | undefined;
      if (parts.place !== undefined) {
        if (context === undefined)
          throw new PayloadCodecError(
            messages.payloadNeedsContext(parts.keyId),
            parts.keyId,
          );
        aad = contextBytes(context);
        if (placeDigest(aad) !== parts.place)
          throw new PayloadCodecError(
            messages.payloadBoundElsewhere(parts.keyId, context),
            parts.keyId,
            true,
          );
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv);
        if (aad) decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        return Buffer.concat([
          decipher.update(Buffer.from(parts.ciphertext, 'base64')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new PayloadCodecError(
          messages.payloadKeyWrong(parts.keyId),
          parts.keyId,
        );
      }
    },
    describe(stored) {
      const parts = describeSealed(stored);
      return parts && messages.payloadEncrypted(parts.keyId);
    },
  };
}

/**
 * A short digest of a value's place, stored beside it so that a value copied elsewhere is told
 * apart from one under a wrong key. Not a secret (the ids are in the same row); the place itself
 * is what GCM authenticates, so editing the digest only makes the value fail as a wrong key does.
 */
function placeDigest(aad: Buffer): string {
  return createHash('sha256').update(aad).digest('base64url').slice(0, 11);
}

/** The keys as `KeyObject`s, each checked once, when the codec is made. */
function readKeys(options: AesGcmCodecOptions): Map<string, KeyObject> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(
      'aesGcmCodec()',
      options,
      messages.aesGcmOptionsShape(),
    );
  const { keys, current, errors } = options;
  if (errors !== undefined && typeof errors !== 'boolean')
    throw new InvalidOptionsError(
      'aesGcmCodec() errors',
      errors,
      messages.aesGcmErrorsOption(),
    );
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
    throw new InvalidOptionsError(
      'aesGcmCodec() keys',
      keys,
      messages.aesGcmOptionsShape(),
    );
  const read = new Map<string, KeyObject>();
  for (const [id, key] of Object.entries(keys)) {
    if (!KEY_ID_PATTERN.test(id))
      throw new InvalidOptionsError(
        'aesGcmCodec() key id',
        id,
        messages.aesGcmKeyIdInvalid(),
      );
    read.set(id, createSecretKey(keyBytes(id, key)));
  }
  if (typeof current !== 'string' || !read.has(current))
    throw new InvalidOptionsError(
      'aesGcmCodec() current',
      current,
      messages.aesGcmCurrentUnknown([...read.keys()]),
    );
  return read;
}

function keyBytes(id: string, key: unknown): Buffer {
  let bytes: Buffer | undefined;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string') {
    const text = key.trim();
    bytes = /^[0-9a-fA-F]{64}$/.test(text)
      ? Buffer.from(text, 'hex')
      : Buffer.from(text, 'base64');
  }
  if (bytes?.length !== KEY_BYTES)
    throw new InvalidOptionsError(
      `aesGcmCodec() keys.${id}`,
      '(key not shown)',
      messages.aesGcmKeyLength(id, bytes?.length),
    );
  return bytes;
}
