import { randomUUID } from 'node:crypto';
import type {
  ClaimedWorkflow,
  Lease,
  Persistence,
  StepOutcome,
  StoredStep,
} from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';

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
