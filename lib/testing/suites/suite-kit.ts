import { randomUUID } from 'node:crypto';
import type {
  ClaimedWorkflow,
  Lease,
  Persistence,
  StepOutcome,
  StoredStep,
  WorkflowStatus,
} from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';

/** The suites' epoch: every time they pass is explicit, so they control the clock. */
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;

/** A fresh lease until `until`. */
export const lease = (until: number): Lease => ({ token: randomUUID(), until });

export const step = (
  id: string,
  result: string,
  recordedAt = T0,
): StoredStep => ({
  kind: 'step',
  id,
  result,
  recordedAt,
});

/** A step outcome that keeps the lease for a minute from `now`. */
export const keep = (now: number): StepOutcome => ({
  readyAt: now + MINUTE,
  release: false,
  now,
});

/** Claims one ready workflow (the oldest), as most cases need. */
export async function claimNext(
  store: Persistence,
  now: number,
  lease: Lease,
): Promise<ClaimedWorkflow | undefined> {
  const [claimed] = await store.claimReady(now, [lease]);
  return claimed;
}

/**
 * A second store object over the same data as `store` (`factory.reopen()`), for the cases that
 * race two connections: `store(i)` alternates between the two.
 */
export async function otherStore(
  factory: StoreFactory,
  store: Persistence,
): Promise<{ store(i: number): Persistence; close(): Promise<void> }> {
  const other = await factory.reopen();
  return {
    store: (i) => (i % 2 === 0 ? store : other),
    close: () => (other === store ? Promise.resolve() : other.close()),
  };
}

/**
 * What the operations suites do to set a case up, over the store the case is using (`current`,
 * since each case gets a fresh one): insert a workflow, claim the only ready one, or put one in
 * any status.
 */
export function operationsKit(current: () => Persistence) {
  const insert = (id: string, now = T0, name = 'wf') =>
    current().insertWorkflow({ id, name, input: '"in"', now });

  /** Takes workflow `id` (the only ready one) and gives it an outcome. */
  const claimOnly = async (id: string, now: number) => {
    const held = await claimNext(current(), now, lease(now + MINUTE));
    testGlobals().expect(held?.id).toBe(id);
    return held!.leaseToken;
  };

  const withStatus = async (id: string, status: WorkflowStatus, now = T0) => {
    const store = current();
    await insert(id, now);
    if (status === 'idle') return;
    const token = await claimOnly(id, now);
    if (status === 'finished') {
      await store.recordFinish(id, token, { result: '"done"', now });
    } else if (status === 'failed' || status === 'aborted') {
      await store.recordFailure(id, token, {
        error: { name: 'Error', message: 'down' },
        retryAt: now + MINUTE,
        maxFailures: status === 'aborted' ? 1 : 3,
        now,
      });
    } else if (status === 'cancelled') {
      await store.cancelWorkflow(id, now);
    }
  };

  return { insert, claimOnly, withStatus };
}
