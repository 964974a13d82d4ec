import { AsyncLocalStorage } from 'node:async_hooks';
import type { Persistence } from '@lidex/nestjs';

/** Store calls by method name. Claims that found nothing are kept apart as `<method>:empty`. */
export type CallCounts = Record<string, number>;

/** What a listener learns of each completed store call. */
export interface StoreCall {
  method: string;
  args: unknown[];
  result: unknown;
}

/** Lifecycle methods: not round trips of running workflows. */
const NOT_COUNTED = new Set<PropertyKey>(['init', 'close', 'describe']);

/** One store call in progress; lower layers add what they see of it. */
export interface CallInProgress {
  method: string;
  /** Database commands the call sent (MongoDB command monitoring fills this in). */
  commands: number;
}

/**
 * The store call running in the current async context, so that MongoDB command monitoring can
 * say which store call each command belongs to. Only while commands are counted: an active
 * AsyncLocalStorage puts a hook on every promise, which would slow the figures it measures.
 */
export const currentStoreCall = new AsyncLocalStorage<CallInProgress>();

/**
 * Wraps a store so that every call of every method is counted (with the database commands it
 * sent, where those are monitored) and reported. Every function-valued
 * property is wrapped, not a fixed list: when the Persistence contract gains a method, the bench
 * counts it without being told.
 */
export function countingStore(
  store: Persistence,
  onCall?: (call: StoreCall) => void,
  options: { countCommands?: boolean } = {},
): { store: Persistence; counts: CallCounts; commands: CallCounts } {
  const counts: CallCounts = {};
  const commands: CallCounts = {};
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || NOT_COUNTED.has(property)) {
        return value;
      }
      const method = String(property);
      const original = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        const call: CallInProgress = { method, commands: 0 };
        const result = await (options.countCommands
          ? currentStoreCall.run(call, () => original.apply(target, args))
          : original.apply(target, args));
        const key = isEmptyClaim(method, result) ? `${method}:empty` : method;
        counts[key] = (counts[key] ?? 0) + 1;
        commands[key] = (commands[key] ?? 0) + call.commands;
        onCall?.({ method, args, result });
        return result;
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

/** Counts with the empty polls left out. */
export function workCalls(counts: CallCounts): CallCounts {
  return Object.fromEntries(
    Object.entries(counts).filter(([method]) => !method.endsWith(':empty')),
  );
}

export const sumCalls = (
  counts: CallCounts,
  include: (method: string) => boolean = () => true,
): number =>
  Object.entries(counts)
    .filter(([method]) => include(method))
    .reduce((total, [, n]) => total + n, 0);
