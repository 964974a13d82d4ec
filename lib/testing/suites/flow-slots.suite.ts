import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, lease } from './suite-kit';

/**
 * Slots in use (`leasedCounts`, for the dashboard): how many workflows of each name, and of each
 * name and `concurrencyKey`, hold a lease now; one that let its lease go holds none.
 */
export function flowSlotsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store slots in use`, () => {
    afterAll(() => factory.cleanup());
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    it('counts the leases held per name and per key, of the names asked for only', async () => {
      const keys = ['a', 'a', 'b', undefined, 'a'];
      for (let i = 0; i < keys.length; i++)
        await store.insertWorkflow({
          id: `e${i}`,
          name: 'export',
          input: '1',
          now: T0 + i,
          concurrencyKey: keys[i],
        });
      await store.insertWorkflow({
        id: 'o',
        name: 'other',
        input: '1',
        now: T0,
      });
      const now = T0 + 10;
      const claimed = await store.claimReady(
        now,
        Array.from({ length: 6 }, () => lease(now + MINUTE)),
      );
      expect(claimed).toHaveLength(6);
      // e4 lets its lease go (a long sleep): it holds no slot.
      const e4 = claimed.find((w) => w.id === 'e4')!;
      await store.releaseLease('e4', e4.leaseToken, {
        readyAt: now + MINUTE,
        now,
      });
      const counts = await store.leasedCounts!(['export', 'missing']);
      const sorted = [...counts].sort((x, y) =>
        String(x.concurrencyKey).localeCompare(String(y.concurrencyKey)),
      );
      expect(sorted).toEqual([
        { name: 'export', concurrencyKey: 'a', leased: 2 },
        { name: 'export', concurrencyKey: 'b', leased: 1 },
        { name: 'export', leased: 1 },
      ]);
      expect(await store.leasedCounts!([])).toEqual([]);
    });
  });
}
