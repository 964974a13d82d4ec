import { ValueNotStorableError } from '../errors/value-not-storable.error';
import { messages } from '../lidex.messages';
import { type LazyText, textOf } from './lazy-text';

/**
 * Turns values into strings a store can keep, and back. JSON, plus what JSON would silently
 * lose: `undefined`, `Date`, NaN and the infinities. Anything that cannot come back as it went in
 * (functions, symbols, BigInt, Map, Set, circular references, ...) is refused with an error
 * naming where it is, rather than stored wrong.
 *
 * Tagged values are objects with a `$lidex` key. A user object that has its own `$lidex` key is
 * stored as a list of entries, so user data can never be mistaken for a tag.
 */

const TAG = '$lidex';

/**
 * How deeply values may nest (objects and arrays inside each other). Deeper values are refused:
 * encoding and decoding them would overflow the call stack, and no real result needs more.
 */
export const MAX_VALUE_DEPTH = 1_000;

type Encoded =
  null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

/** `undefined`, encoded: what a step with nothing to return stores. */
const ENCODED_UNDEFINED = JSON.stringify({ [TAG]: 'undefined' });

/** `what` names the value in errors: built only when one is thrown. */
export function encodeValue(
  value: unknown,
  what: LazyText,
  maxBytes?: number,
): string {
  let encoded: string;
  if (value === undefined) encoded = ENCODED_UNDEFINED;
  else {
    // Strings, booleans, finite numbers and null are JSON as they are: no tree to build.
    const tree = isPlainJson(value) ? value : encodeTree(value, what);
    try {
      encoded = JSON.stringify(tree);
    } catch (error) {
      // V8 cannot build a string past about 512 MiB ("Invalid string length").
      throw new ValueNotStorableError(
        messages.valueTooLargeToEncode(
          textOf(what),
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
  }
  requireEncodedSize(encoded, what, maxBytes);
  return encoded;
}

/** Refuses an encoded value over the store's limit (`maxBytes`, when it has one). */
export function requireEncodedSize(
  encoded: string,
  what: LazyText,
  maxBytes: number | undefined,
): void {
  // A UTF-16 unit takes at most 3 bytes in UTF-8: most values need no count.
  if (maxBytes !== undefined && encoded.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(encoded);
    if (bytes > maxBytes) {
      throw new ValueNotStorableError(
        messages.valueTooLarge(textOf(what), bytes, maxBytes),
      );
    }
  }
}

function isPlainJson(
  value: unknown,
): value is null | boolean | number | string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    default:
      return value === null;
  }
}

function encodeTree(value: unknown, what: LazyText): Encoded {
  const ancestors = new Set<object>();

  const fail = (path: string, reason: string): never => {
    throw new ValueNotStorableError(
      messages.valueNotStorable(textOf(what), path, reason),
    );
  };

  const encode = (v: unknown, path: string, depth = 0): Encoded => {
    switch (typeof v) {
      case 'undefined':
        return { [TAG]: 'undefined' };
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : { [TAG]: 'number', v: String(v) };
      case 'bigint':
        return fail(path, 'is a BigInt; convert it to a string or number');
      case 'symbol':
        return fail(path, 'is a symbol');
      case 'function':
        return fail(path, 'is a function');
    }
    if (v === null) return null;
    const obj = v as object;
    if (obj instanceof Date) {
      const time = obj.getTime();
      return {
        [TAG]: 'date',
        v: Number.isNaN(time) ? null : obj.toISOString(),
      };
    }
    if (ancestors.has(obj))
      return fail(path, 'refers back to itself (circular)');
    if (depth >= MAX_VALUE_DEPTH) {
      return fail(
        shortPath(path),
        `is nested more than ${MAX_VALUE_DEPTH} levels deep (the most Lidex stores)`,
      );
    }
    ancestors.add(obj);
    try {
      if (Array.isArray(obj)) {
        return obj.map((item, i) => encode(item, `${path}[${i}]`, depth + 1));
      }
      const unsupported = unsupportedKind(obj);
      if (unsupported) return fail(path, `is ${unsupported}`);
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        return encode(toJSON.call(obj), path, depth + 1);
      }
      const keys = Object.keys(obj);
      const entries: [string, Encoded][] = [];
      for (const key of keys) {
        const item = (obj as Record<string, unknown>)[key];
        if (item === undefined) continue; // as JSON does for object properties
        entries.push([key, encode(item, `${path}.${key}`, depth + 1)]);
      }
      if (Object.prototype.hasOwnProperty.call(obj, TAG)) {
        return { [TAG]: 'object', e: entries };
      }
      const out: { [key: string]: Encoded } = {};
      for (const [key, item] of entries) {
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      ancestors.delete(obj);
    }
  };

  return encode(value, 'value');
}

/** A path too long to read whole (a deep value's) keeps its start and its end. */
function shortPath(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 60)}…${path.slice(-40)}`;
}

export function decodeValue<T = unknown>(text: string): T {
  return decodeTree(JSON.parse(text)) as T;
}

/** Replaces tags with the values they stand for, keeping array slots (no holes). */
function decodeTree(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeTree);
  const tagged = value as { [TAG]?: unknown; v?: unknown; e?: unknown };
  if (Object.prototype.hasOwnProperty.call(tagged, TAG)) {
    switch (tagged[TAG]) {
      case 'undefined':
        return undefined;
      case 'date':
        return new Date(tagged.v === null ? NaN : (tagged.v as string));
      case 'number':
        return Number(tagged.v);
      case 'object':
        return fromEntries(tagged.e as [string, unknown][]);
    }
  }
  return fromEntries(Object.entries(value));
}

/** A plain object from entries, decoding values; `__proto__` stays an ordinary key. */
function fromEntries(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    Object.defineProperty(out, key, {
      value: decodeTree(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function unsupportedKind(obj: object): string | undefined {
  if (obj instanceof Map) return 'a Map; convert it with Object.fromEntries()';
  if (obj instanceof Set) return 'a Set; convert it with Array.from()';
  if (obj instanceof WeakMap || obj instanceof WeakSet)
    return 'a weak collection';
  if (obj instanceof Promise) return 'a Promise; await it inside the step';
  if (obj instanceof RegExp) return 'a RegExp; store its source string';
  if (obj instanceof Error) return 'an Error; store its message';
  if (ArrayBuffer.isView(obj))
    return 'a Buffer or typed array; convert it to a base64 string';
  if (obj instanceof ArrayBuffer) return 'an ArrayBuffer';
  return undefined;
}
