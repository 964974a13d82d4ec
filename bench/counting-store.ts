import type { Persistence } from '@lidex/nestjs';

/** Store calls by method: each call of a store method is one round trip to the database. */
export type CallCounts = Record<string, number>;

const METHODS = [
  'insertWorkflow',
  'claimReady',
  'renewLease',
  'recordStep',
  'releaseLease',
  'recordFinish',
  'recordFailure',
  'getWorkflow',
] as const;

/** Wraps a store so that every call of its methods is counted. */
export function countingStore(store: Persistence): {
  store: Persistence;
  counts: CallCounts;
} {
  const counts: CallCounts = Object.fromEntries(
    [...METHODS, 'emptyPoll'].map((m) => [m, 0]),
  );
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (
        typeof value !== 'function' ||
        !(METHODS as readonly unknown[]).includes(property)
      ) {
        return value;
      }
      return async (...args: unknown[]) => {
        const result: unknown = await (
          value as (...a: unknown[]) => Promise<unknown>
        ).apply(target, args);
        // A poll that finds nothing is counted apart: it is idle cost, not cost per workflow.
        const key =
          property === 'claimReady' && result === undefined
            ? 'emptyPoll'
            : property;
        counts[key as string] = (counts[key as string] ?? 0) + 1;
        return result;
      };
    },
  });
  return { store: wrapped, counts };
}
