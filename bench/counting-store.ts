import { AsyncLocalStorage } from 'node:async_hooks';
import type { Persistence } from '@lidex/nestjs';

/**
 * Store calls by method name. Claims that found nothing are kept apart as `<method>:empty`, and
 * methods that answered synchronously (in-process checks, no database) as `<method>:local`.
 */
export type CallCounts = Record<string, number>;

/** What a listener learns of each completed store call. */
export interface StoreCall {
  method: string;
  args: unknown[];
  result: unknown;
}

/** One store call in progress; lower layers add what they see of it. */
export interface CallInProgress {
  method: string;
  /** Database commands the call sent (MongoDB command monitoring fills this in). */
  commands: number;
}

/** Lifecycle methods: not round trips of running workflows. */
const NOT_COUNTED = new Set<PropertyKey>(['init', 'close', 'describe']);

/**
 * The store call running in the current async context, so that MongoDB command monitoring can
 * say which store call each command belongs to. Only while commands are counted: an active
 * AsyncLocalStorage puts a hook on every promise, which would slow the figures it measures.
 */
export const currentStoreCall = new AsyncLocalStorage<CallInProgress>();

/**
 * Wraps a store so that every call of every method is counted (with the database commands it
 * sent, where those are monitored) and reported. Every function-valued property is wrapped, not a
 * fixed list: when the Persistence contract gains a method, the bench counts it without being
 * told. A method that answers synchronously keeps answering synchronously.
 */
export function countingStore(
  store: Persistence,
  onCall?: (call: StoreCall) => void,
  options: { countCommands?: boolean } = {},
): { store: Persistence; counts: CallCounts; commands: CallCounts } {
  const counts: CallCounts = {};
  const commands: CallCounts = {};
  const count = (call: StoreCall, key: string, sent: number) => {
    counts[key] = (counts[key] ?? 0) + 1;
    commands[key] = (commands[key] ?? 0) + sent;
    onCall?.(call);
  };
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || NOT_COUNTED.has(property)) {
        return value;
      }
      const method = String(property);
      const original = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const inProgress: CallInProgress = { method, commands: 0 };
        const answer = options.countCommands
          ? currentStoreCall.run(inProgress, () => original.apply(target, args))
          : original.apply(target, args);
        if (!(answer instanceof Promise)) {
          // A synchronous answer cannot have been a trip to the database.
          count({ method, args, result: answer }, `${method}:local`, 0);
          return answer;
        }
        return answer.then((result: unknown) => {
          const key = isEmptyClaim(method, result) ? `${method}:empty` : method;
          count({ method, args, result }, key, inProgress.commands);
          return result;
        });
      };
    },
  });
  return { store: wrapped, counts, commands };
}

/**
 * A poll that found nothing is idle cost, not cost per workflow. Any claim-like method counts:
 * one that returns one workflow or `undefined`, and one that returns a list.
 */
function isEmptyClaim(method: string, result: unknown): boolean {
  return (
    method.startsWith('claim') &&
    (result === undefined ||
      result === null ||
      (Array.isArray(result) && result.length === 0))
  );
}

/** Methods that only read: the engine should not need them while running workflows. */
export const isReadMethod = (method: string): boolean =>
  /^(get|list|count|find|read)/.test(method);

/** Round trips that did work: neither empty polls nor synchronous in-process checks. */
export function workCalls(counts: CallCounts): CallCounts {
  return Object.fromEntries(
    Object.entries(counts).filter(([method]) => !method.includes(':')),
  );
}

/** Polls that found nothing. */
export function emptyPolls(counts: CallCounts): number {
  return sumCalls(counts, (method) => method.endsWith(':empty'));
}

export const sumCalls = (
  counts: CallCounts,
  include: (method: string) => boolean = () => true,
): number =>
  Object.entries(counts)
    .filter(([method]) => include(method))
    .reduce((total, [, n]) => total + n, 0);
