import type {
  ClaimOptions,
  FlowLimit,
  Lease,
  Persistence,
} from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, lease, otherStore } from './suite-kit';

const leases = (count: number, now: number): Lease[] =>
  Array.from({ length: count }, () => lease(now + MINUTE));

const limited = (name: string, limit: FlowLimit): ClaimOptions => ({
  limits: new Map([[name, limit]]),
});

/**
 * Rate limits per key (`FlowLimit.keyRate`, stores with `keyedRateLimits`): a claim never takes
 * a workflow for its first time when its name and `concurrencyKey` were first claimed
 * `keyRate.max` times in the window, across store objects; other keys and keyless ones go on.
 */
export function keyedRateLimitContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store rate limits per key`, () => {
    afterAll(() => factory.cleanup());
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insert = (
      id: string,
      now: number,
      more: { concurrencyKey?: string } = {},
    ) =>
      store.insertWorkflow({
        id,
        name: 'export',
        input: '1',
        now,
        concurrencyKey: more.concurrencyKey,
      });

    const claimIds = async (
      now: number,
      count: number,
      options?: ClaimOptions,
    ) =>
      (await store.claimReady(now, leases(count, now), undefined, options)).map(
        (w) => w.id,
      );

    it('declares keyedRateLimits', () => {
      expect(store.keyedRateLimits).toBe(true);
    });

    it('starts no more of one key than its per-key rate limit in any window, other keys and keyless ones still', async () => {
      await insert('a1', T0, { concurrencyKey: 'a' });
      await insert('a2', T0 + 1, { concurrencyKey: 'a' });
      await insert('b1', T0 + 2, { concurrencyKey: 'b' });
      await insert('none', T0 + 3);
      await insert('a3', T0 + 4, { concurrencyKey: 'a' });
      await insert('b2', T0 + 5, { concurrencyKey: 'b' });
      const options = limited('export', { keyRate: { max: 1, perMs: 1000 } });
      const first = await store.claimReady(
        T0 + 10,
        leases(6, T0 + 10),
        undefined,
        options,
      );
      expect(first.map((w) => w.id)).toEqual(['a1', 'b1', 'none']);
      // Ending a run frees no start: the window counts first claims, not leases.
      await store.recordFinish('a1', first[0].leaseToken, {
        result: '1',
        now: T0 + 11,
      });
      expect(await claimIds(T0 + 1009, 6, options)).toEqual([]);
      expect(await claimIds(T0 + 1011, 6, options)).toEqual(['a2', 'b2']);
      // With the name's own rate limit as well, both hold.
      await insert('c1', T0 + 1012, { concurrencyKey: 'c' });
      await insert('d1', T0 + 1013, { concurrencyKey: 'd' });
      const both = limited('export', {
        rate: { max: 3, perMs: 1000 },
        keyRate: { max: 1, perMs: 1000 },
      });
      expect(await claimIds(T0 + 1014, 6, both)).toEqual(['c1']);
    });

    it('keeps a per-key rate limit when two store objects race their claims', async () => {
      for (let i = 0; i < 40; i++)
        await insert(`w${i}`, T0 + i, { concurrencyKey: `k${i % 4}` });
      const two = await otherStore(factory, store);
      const options = limited('export', { keyRate: { max: 2, perMs: 1000 } });
      try {
        const now = T0 + 100;
        const claims = await Promise.all(
          [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
            two.store(i).claimReady(now, leases(3, now), undefined, options),
          ),
        );
        const perKey = new Map<string | undefined, number>();
        const count = async (claimed: { id: string }[]) => {
          for (const { id } of claimed) {
            const key = (await store.getWorkflow(id))?.concurrencyKey;
            perKey.set(key, (perKey.get(key) ?? 0) + 1);
          }
        };
        await count(claims.flat());
        // Racing, no key gets a third start. A claim slowed by the race may leave a permit
        // unused (a store may refuse rather than risk one over the rate); the next claim takes
        // it, so none is lost for good.
        for (const n of perKey.values()) expect(n).toBeLessThan(3);
        await count(
          await store.claimReady(now, leases(8, now), undefined, options),
        );
        expect(Object.fromEntries(perKey)).toEqual({
          k0: 2,
          k1: 2,
          k2: 2,
          k3: 2,
        });
      } finally {
        await two.close();
      }
    });
  });
}
