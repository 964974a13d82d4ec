import type {
  ClaimOptions,
  FlowLimit,
  Persistence,
} from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, keep, lease, step } from './suite-kit';

const limited = (limit: FlowLimit, oldestFirst = false): ClaimOptions => ({
  limits: new Map([['order', limit]]),
  oldestFirst,
});

/**
 * A cancelled limited workflow's compensations take the next free slot: a claim with limits
 * takes a ready `compensating` workflow before the workflows waiting for a slot of its name or
 * key, whatever their priority and age, so a refund does not wait behind unrelated work. The
 * waiting ones are many (more than a limited claim looks at) and older than the cancel.
 */
export function compensationSlotsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store compensation within limits`, () => {
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
      more: { priority?: number; concurrencyKey?: string } = {},
    ) => store.insertWorkflow({ id, name: 'order', input: '1', now, ...more });

    const claimIds = async (
      now: number,
      count: number,
      options: ClaimOptions,
    ) =>
      (
        await store.claimReady(
          now,
          Array.from({ length: count }, () => lease(now + MINUTE)),
          undefined,
          options,
        )
      ).map((claimed) => claimed.id);

    /** The run holding `id` records a step with a compensation (`charge`). */
    const recordCharge = async (id: string, token: string) => {
      const begun = {
        kind: 'compensable' as const,
        id: 'charge',
        recordedAt: T0 + 2,
      };
      await store.recordStep(id, token, begun, keep(T0 + 2));
      await store.recordStep(id, token, step('charge', '"ch-1"'), keep(T0 + 2));
    };

    /**
     * `a` holds the slot and records a compensable step; 40 others then wait for it (one of a
     * higher priority); `a` is cancelled at T0 + 100, ready then, its slot free.
     */
    const cancelledWhileOthersWait = async (
      options: ClaimOptions,
      key?: string,
    ) => {
      await insert('a', T0, { concurrencyKey: key });
      const [held] = await store.claimReady(
        T0 + 1,
        [lease(T0 + MINUTE)],
        undefined,
        options,
      );
      expect(held?.id).toBe('a');
      await recordCharge('a', held.leaseToken);
      for (let i = 0; i < 40; i++)
        await insert(`w${i}`, T0 + 10 + i, {
          concurrencyKey: key,
          priority: i === 39 ? 9 : undefined,
        });
      expect(await claimIds(T0 + 60, 1, options)).toEqual([]);
      expect(
        await store.cancelWorkflow('a', T0 + 100, { compensate: true }),
      ).toBe(true);
    };

    for (const oldestFirst of [false, true])
      it(`takes a cancelled workflow compensating before those waiting for its slot (limit of 1, oldestFirst ${oldestFirst})`, async () => {
        const options = limited({ concurrency: 1 }, oldestFirst);
        await cancelledWhileOthersWait(options);
        expect(await claimIds(T0 + 101, 1, options)).toEqual(['a']);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'compensating',
        });
        // It holds the slot while it compensates: nothing else runs.
        expect(await claimIds(T0 + 102, 3, options)).toEqual([]);
      });

    // A worker reads the time, then sends its claim: a cancel can be applied in between. Ready
    // only from the cancel on, the workflow was not ready for that claim, but its slot was free,
    // and the claim gave it to one of those waiting.
    it('takes a cancelled workflow compensating first in a claim whose time was read before the cancel', async () => {
      const options = limited({ concurrency: 1 });
      await cancelledWhileOthersWait(options);
      expect(await claimIds(T0 + 99, 1, options)).toEqual(['a']);
    });

    it('takes a cancelled workflow compensating before those waiting for its key, other keys still', async () => {
      const options = limited({ perKey: 1 });
      await cancelledWhileOthersWait(options, 'k1');
      // Older than those waiting: a limited claim looks at so many ready workflows only.
      await insert('other-key', T0 + 5, { concurrencyKey: 'k2' });
      expect(await claimIds(T0 + 101, 2, options)).toEqual(['a', 'other-key']);
      expect(await claimIds(T0 + 102, 3, options)).toEqual([]);
    });

    it('takes a compensating workflow within its limits only: not while another holds the slot', async () => {
      await insert('a', T0);
      await insert('b', T0 + 1);
      const two = await store.claimReady(
        T0 + 2,
        [lease(T0 + MINUTE), lease(T0 + MINUTE)],
        undefined,
        limited({ concurrency: 2 }),
      );
      expect(two.map((claimed) => claimed.id)).toEqual(['a', 'b']);
      await recordCharge('a', two[0].leaseToken);
      expect(
        await store.cancelWorkflow('a', T0 + 5, { compensate: true }),
      ).toBe(true);
      const one = limited({ concurrency: 1 });
      expect(await claimIds(T0 + 6, 1, one)).toEqual([]);
      await store.recordFinish('b', two[1].leaseToken, {
        result: '1',
        now: T0 + 7,
      });
      expect(await claimIds(T0 + 8, 1, one)).toEqual(['a']);
    });
  });
}
