/**
 * How an AES-256-GCM value is stored: `aes256gcm:2:<key id>:<place>:<iv>:<tag>:<ciphertext>`
 * (a value bound to its workflow and field: `place` a digest of them, authenticated as GCM's
 * additional data), or, as before binding existed, `aes256gcm:<key id>:<iv>:<tag>:<ciphertext>`;
 * the parts after the key id base64. The number of parts tells the two apart. JSON text never starts with a letter `a`, so a value stored before encryption was
 * turned on is told apart by its first characters, and any reader can name the key of a value
 * it cannot decrypt.
 */
export const AES_GCM_PREFIX = 'aes256gcm:';

/** Key ids: short, and without the `:` that separates the parts. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** The version tag of a value bound to its place. */
export const BOUND_VERSION = '2';

export interface SealedParts {
  keyId: string;
  /** The digest of the place a bound value belongs to; `undefined` for an unbound value. */
  place?: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** The parts of an AES-256-GCM value; `undefined` for any other text. */
export function describeSealed(stored: string): SealedParts | undefined {
  if (!stored.startsWith(AES_GCM_PREFIX)) return undefined;
  const parts = stored.slice(AES_GCM_PREFIX.length).split(':');
  if (parts.length === 6 && parts[0] === BOUND_VERSION) {
    const [, keyId, place, iv, tag, ciphertext] = parts;
    return KEY_ID_PATTERN.test(keyId)
      ? { keyId, place, iv, tag, ciphertext }
      : undefined;
  }
  if (parts.length !== 4 || !KEY_ID_PATTERN.test(parts[0])) return undefined;
  const [keyId, iv, tag, ciphertext] = parts;
  return { keyId, iv, tag, ciphertext };
}
