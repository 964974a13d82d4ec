import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease, step } from './suite-kit';

/**
 * A step write without `readyAt` (`stepKeepsLease`): the workflow keeps its lease's expiry. A
 * store without `stepKeepsLease` is never sent one; the case checks nothing there.
 */
export function stepLeaseContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('step writes that keep the lease', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    it('a step written without readyAt keeps the lease expiry: claimable once it passes, fenced as any', async () => {
      if (store.stepKeepsLease !== true) return;
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 });
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const kept = { release: false, now: T0 + 1 };
      expect(
        await store.recordStep('a', held!.leaseToken, step('x', '1'), kept),
      ).toBe(true);
      expect(await store.getWorkflow('a')).toMatchObject({
        status: 'running',
        readyAt: T0 + MINUTE,
        updatedAt: T0 + 1,
      });
      expect(
        await claimNext(store, T0 + MINUTE - 1, lease(T0 + 2 * MINUTE)),
      ).toBeUndefined();
      const next = await claimNext(store, T0 + MINUTE, lease(T0 + 2 * MINUTE));
      expect(next?.steps.map((s) => s.id)).toEqual(['x']);
      expect(
        await store.recordStep('a', held!.leaseToken, step('y', '2'), kept),
      ).toBe(false);
    });
  });
}
