import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { FlowLimit } from '../model';
import { unknownKey } from '../model/option-keys';

/** `@Workflow(name, { concurrency, rateLimit })`: how many of it run, and start, at once. */
export interface WorkflowFlowOptions {
  /**
   * The most workflows of this name that run at once across every instance (`limit`), and per
   * `concurrencyKey` given at start (`perKey`). Only running workflows hold a slot: one that
   * sleeps long, waits for a signal or a child, or waits for a retry holds none.
   */
  concurrency?: { limit?: number; perKey?: number };
  /**
   * The most workflows of this name that start (are first claimed) in any `perMs` ms (`max`),
   * and per `concurrencyKey` given at start (`perKey`): one or both.
   */
  rateLimit?: { max?: number; perKey?: number; perMs: number };
}

/**
 * Of a worker's claims that find work, one in this many takes the oldest ready workflows whatever
 * their priority, so a low priority waits behind a stream of higher ones for at most this many
 * claims.
 */
export const OLDEST_FIRST_EVERY = 10;

const positive = (where: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(messages.flowLimitInvalid(where, value));
  return value;
};

const object = (where: string, value: unknown, keys: readonly string[]) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError(
      messages.flowOptionNotObject(where, value, keys),
    );
  const unknown = unknownKey(where, value, keys);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  return value as Record<string, unknown>;
};

/** Checks `@Workflow(name, options)`'s flow options, answering the store's `FlowLimit`. */
export function checkFlowOptions(
  name: string,
  options: WorkflowFlowOptions | undefined,
): FlowLimit | undefined {
  const where = `@Workflow(${JSON.stringify(name)})`;
  const limit: FlowLimit = {};
  if (options?.concurrency !== undefined) {
    const at = `${where} option "concurrency"`;
    const given = object(at, options.concurrency, ['limit', 'perKey']);
    if (given.limit === undefined && given.perKey === undefined)
      throw new InvalidArgumentError(
        messages.flowOptionNotObject(at, given, ['limit', 'perKey']),
      );
    if (given.limit !== undefined)
      limit.concurrency = positive(`${at} "limit"`, given.limit);
    if (given.perKey !== undefined)
      limit.perKey = positive(`${at} "perKey"`, given.perKey);
  }
  if (options?.rateLimit !== undefined) {
    const at = `${where} option "rateLimit"`;
    const given = object(at, options.rateLimit, ['max', 'perKey', 'perMs']);
    if (given.max === undefined && given.perKey === undefined)
      throw new InvalidArgumentError(
        messages.flowOptionNotObject(at, given, ['max', 'perKey']),
      );
    const perMs = positive(`${at} "perMs"`, given.perMs);
    if (given.max !== undefined)
      limit.rate = { max: positive(`${at} "max"`, given.max), perMs };
    if (given.perKey !== undefined)
      limit.keyRate = { max: positive(`${at} "perKey"`, given.perKey), perMs };
  }
  return Object.keys(limit).length > 0 ? limit : undefined;
}

/** The highest priority, and the lowest as its negative, that a workflow may be given. */
export const MAX_PRIORITY = 1_000_000;
/** The longest concurrency key, in characters. */
export const MAX_CONCURRENCY_KEY_LENGTH = 256;

/** An integer priority within ±`MAX_PRIORITY`. */
export const isPriority = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isInteger(value) &&
  Math.abs(value) <= MAX_PRIORITY;

/** A non-empty concurrency key of at most `MAX_CONCURRENCY_KEY_LENGTH` characters. */
export const isConcurrencyKey = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length > 0 &&
  value.length <= MAX_CONCURRENCY_KEY_LENGTH;

/** Checks `start()`'s `priority` (an integer) and `concurrencyKey` (a non-empty string). */
export function checkStartFlow(options: {
  priority?: unknown;
  concurrencyKey?: unknown;
}): void {
  const { priority, concurrencyKey } = options;
  if (priority !== undefined && !isPriority(priority))
    throw new InvalidArgumentError(messages.priorityInvalid(priority));
  if (concurrencyKey !== undefined && !isConcurrencyKey(concurrencyKey))
    throw new InvalidArgumentError(
      messages.concurrencyKeyInvalid(concurrencyKey),
    );
}
