import type { Persistence } from '@lidex/nestjs';

/** The store calls a slow store delays (every call that reads or writes workflows). */
const DELAYED = [
  'insertWorkflow',
  'claimReady',
  'renewLease',
  'recordStep',
  'releaseLease',
  'recordFinish',
  'recordFailure',
  'getWorkflow',
  'listWorkflows',
  'countWorkflows',
  'cancelWorkflow',
  'retryWorkflow',
] as const;

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A real store behind a slow link: each call waits half of `delayMs` before it reaches the store
 * (its arguments as they were when it was sent) and the other half before its answer comes back,
 * as with a loaded database server far away.
 */
export function slowStore(store: Persistence, delayMs: number): Persistence {
  const slow = Object.create(store) as Persistence;
  for (const method of DELAYED) {
    const call = (
      store[method] as (...args: unknown[]) => Promise<unknown>
    ).bind(store);
    Object.defineProperty(slow, method, {
      value: async (...args: unknown[]) => {
        await pause(delayMs / 2);
        const answer = await call(...args);
        await pause(delayMs / 2);
        return answer;
      },
    });
  }
  return slow;
}
