import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownOptionError } from '../errors/unknown-option.error';
import { unknownKey } from '../model/option-keys';

/*
 * The option rules the SQL stores (MySQL, PostgreSQL) share. Each store's `*.options.ts` says
 * which of its options each rule applies to, in its own order, with its own words; errors name
 * the option as `<Store> <key>` (e.g. `MysqlStore poolSize`).
 */

/** Options must be an object whose keys are all known (a typo names the key it meant). */
export function checkOptionKeys(
  store: string,
  options: unknown,
  known: readonly string[],
): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError(
      `${store} options`,
      options,
      'an object with `url` or `pool`',
    );
  }
  const unknown = unknownKey(store, options, known);
  if (unknown) throw new UnknownOptionError(unknown.key, unknown.message);
}

/** Exactly one of `sources` is given; `expected` lists them for the user. */
export function checkOneSource<O extends object>(
  store: string,
  options: O,
  sources: readonly (keyof O & string)[],
  expected: string,
): void {
  const given = sources.filter((key) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new InvalidOptionsError(
      `${store} ${given.length > 1 ? given.join('/') : 'url/pool'}`,
      given.length > 1 ? `${given.length} of them` : undefined,
      expected,
    );
  }
}

/** A connection string of one of `protocols` (`'mysql:'`), shown without its password. */
export function checkUrl(
  store: string,
  key: string,
  value: unknown,
  protocols: readonly string[],
  expected: string,
  fallback: string,
): void {
  if (value !== undefined && !isUrlOf(value, protocols)) {
    throw new InvalidOptionsError(
      `${store} ${key}`,
      typeof value === 'string' ? redactUrl(value, fallback) : value,
      expected,
    );
  }
}

function isUrlOf(url: unknown, protocols: readonly string[]): boolean {
  if (typeof url !== 'string') return false;
  try {
    return protocols.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * Each `[key, ok, expected]`: when the option `key` is given, it must have the shape `ok` says it
 * has (an ORM's instance, a pool), else the error shows `expected`.
 */
export function checkShapes<O extends object>(
  store: string,
  options: O,
  shaped: [key: keyof O & string, ok: boolean, expected: string][],
): void {
  for (const [key, ok, expected] of shaped) {
    if (options[key] !== undefined && !ok) {
      throw new InvalidOptionsError(`${store} ${key}`, options[key], expected);
    }
  }
}

/** A name the store puts into its SQL (a schema, a table prefix): a string that `pattern` matches. */
export function checkName(
  store: string,
  key: string,
  value: unknown,
  pattern: RegExp,
  expected: string,
): void {
  if (
    value !== undefined &&
    (typeof value !== 'string' || !pattern.test(value))
  ) {
    throw new InvalidOptionsError(`${store} ${key}`, value, expected);
  }
}

/** Each of `keys`, when given, is `true` or `false`. */
export function checkBooleans<O extends object>(
  store: string,
  options: O,
  keys: readonly (keyof O & string)[],
): void {
  for (const key of keys) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new InvalidOptionsError(
        `${store} ${key}`,
        options[key],
        'true or false',
      );
    }
  }
}

/** Each of `keys`, when given, is a positive integer (a pool size, a timeout). */
export function checkPositiveIntegers<O extends object>(
  store: string,
  options: O,
  keys: readonly (keyof O & string)[],
): void {
  for (const key of keys) {
    const value = options[key];
    if (
      value !== undefined &&
      (!Number.isInteger(value) || (value as number) < 1)
    ) {
      throw new InvalidOptionsError(
        `${store} ${key}`,
        value,
        'a positive integer',
      );
    }
  }
}

/** The URL with its password replaced, for logs and errors; `fallback` when it is not a URL. */
export function redactUrl(url: string, fallback: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return fallback;
  }
}
