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
 * Flow control (`ClaimOptions.limits`, `oldestFirst`, a workflow's `priority` and
 * `concurrencyKey`): priorities order the claim, and a claim never takes a workflow that would
 * put its name over a concurrency limit (all, or per key) or a rate limit, across store objects.
 */
export function flowControlContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store flow control`, () => {
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
      more: { priority?: number; concurrencyKey?: string; name?: string } = {},
    ) =>
      store.insertWorkflow({
        id,
        name: more.name ?? 'export',
        input: '1',
        now,
        priority: more.priority,
        concurrencyKey: more.concurrencyKey,
      });

    const claimIds = async (
      now: number,
      count: number,
      options?: ClaimOptions,
      on: Persistence = store,
    ) =>
      (await on.claimReady(now, leases(count, now), undefined, options)).map(
        (w) => w.id,
      );

    it('claims higher priorities first, oldest first within one, and keeps priority and key', async () => {
      await insert('low-old', T0, { priority: -1 });
      await insert('plain-old', T0 + 1);
      await insert('high-new', T0 + 3, { priority: 5, concurrencyKey: 'c1' });
      await insert('high-old', T0 + 2, { priority: 5 });
      await insert('plain-new', T0 + 4, { priority: 0 });
      expect(await store.getWorkflow('high-new')).toMatchObject({
        priority: 5,
        concurrencyKey: 'c1',
      });
      const listed = await store.listWorkflows({ limit: 10 });
      expect(listed.find((w) => w.id === 'high-new')).toMatchObject({
        priority: 5,
        concurrencyKey: 'c1',
      });
      expect(await claimIds(T0 + 10, 3)).toEqual([
        'high-old',
        'high-new',
        'plain-old',
      ]);
      expect(await claimIds(T0 + 10, 5)).toEqual(['plain-new', 'low-old']);
    });

    it('with oldestFirst, claims by readyAt whatever the priority', async () => {
      await insert('low', T0, { priority: -3 });
      await insert('high', T0 + 1, { priority: 9 });
      expect(await claimIds(T0 + 10, 1, { oldestFirst: true })).toEqual([
        'low',
      ]);
    });

    it('claims no more of a name than its concurrency limit leases, and takes the next once one ends', async () => {
      for (let i = 0; i < 4; i++) await insert(`e${i}`, T0 + i);
      await insert('other', T0 + 9, { name: 'other' });
      const options = limited('export', { concurrency: 2 });
      const first = await store.claimReady(
        T0 + 10,
        leases(5, T0 + 10),
        undefined,
        options,
      );
      expect(first.map((w) => w.id)).toEqual(['e0', 'e1', 'other']);
      expect(await claimIds(T0 + 11, 5, options)).toEqual([]);
      expect(await store.getWorkflow('e2')).toMatchObject({
        status: 'idle',
        readyAt: T0 + 2,
        attempts: 0,
      });
      await store.recordFinish('e0', first[0].leaseToken, {
        result: '1',
        now: T0 + 12,
      });
      expect(await claimIds(T0 + 13, 5, options)).toEqual(['e2']);
    });

    it('frees the slot of a running workflow that is cancelled or terminated, for the next claim', async () => {
      for (let i = 0; i < 3; i++)
        await insert(`e${i}`, T0 + i, { concurrencyKey: 'k' });
      const options = limited('export', { concurrency: 1, perKey: 1 });
      expect(await claimIds(T0 + 10, 3, options)).toEqual(['e0']);
      // A plain cancel (terminate is one: nothing to compensate) of the leased workflow.
      expect(await store.cancelWorkflow('e0', T0 + 11)).toBe(true);
      expect(await claimIds(T0 + 12, 3, options)).toEqual(['e1']);
      expect(
        await store.cancelWorkflow('e1', T0 + 13, {
          reason: { name: 'Terminated', message: 'by an operator' },
        }),
      ).toBe(true);
      expect(await claimIds(T0 + 14, 3, options)).toEqual(['e2']);
    });

    it('counts no slot for a workflow that let its lease go (a long sleep, a wait)', async () => {
      for (let i = 0; i < 3; i++) await insert(`e${i}`, T0 + i);
      const options = limited('export', { concurrency: 1 });
      const [sleeper] = await store.claimReady(
        T0 + 10,
        leases(1, T0 + 10),
        undefined,
        options,
      );
      await store.recordStep(
        sleeper.id,
        sleeper.leaseToken,
        { kind: 'sleep', id: 'nap', wakeAt: T0 + MINUTE, recordedAt: T0 + 11 },
        { readyAt: T0 + MINUTE, release: true, now: T0 + 11 },
      );
      const [waiter] = await store.claimReady(
        T0 + 12,
        leases(1, T0 + 12),
        undefined,
        options,
      );
      expect(waiter.id).toBe('e1');
      await store.releaseLease(waiter.id, waiter.leaseToken, {
        now: T0 + 13,
        wait: { for: { kind: 'signal', name: 'go' }, signalsSeen: 0 },
      });
      expect(await claimIds(T0 + 14, 3, options)).toEqual(['e2']);
    });

    it('claims no more of one key than the per-key limit, other keys and keyless ones still', async () => {
      await insert('a1', T0, { concurrencyKey: 'a' });
      await insert('a2', T0 + 1, { concurrencyKey: 'a' });
      await insert('b1', T0 + 2, { concurrencyKey: 'b' });
      await insert('none', T0 + 3);
      await insert('a3', T0 + 4, { concurrencyKey: 'a' });
      const options = limited('export', { perKey: 1 });
      const first = await store.claimReady(
        T0 + 10,
        leases(5, T0 + 10),
        undefined,
        options,
      );
      expect(first.map((w) => w.id)).toEqual(['a1', 'b1', 'none']);
      await store.recordFailure('a1', first[0].leaseToken, {
        error: { name: 'Error', message: 'x' },
        retryAt: T0 + MINUTE,
        maxFailures: 3,
        now: T0 + 11,
      });
      expect(await claimIds(T0 + 12, 5, options)).toEqual(['a2']);
    });

    it('starts no more of a name than its rate limit in any window, counting first claims only', async () => {
      for (let i = 0; i < 5; i++) await insert(`r${i}`, T0 + i);
      const options = limited('export', { rate: { max: 2, perMs: 1000 } });
      const first = await store.claimReady(
        T0 + 10,
        leases(5, T0 + 10),
        undefined,
        options,
      );
      expect(first.map((w) => w.id)).toEqual(['r0', 'r1']);
      expect((await store.getWorkflow('r0'))?.firstClaimedAt).toBe(T0 + 10);
      // A claim that is not a first one (after a release) is not counted, nor refused.
      await store.releaseLease('r0', first[0].leaseToken, {
        readyAt: T0 + 20,
        now: T0 + 20,
      });
      expect(await claimIds(T0 + 500, 5, options)).toEqual(['r0']);
      expect(await claimIds(T0 + 1009, 5, options)).toEqual([]);
      expect(await claimIds(T0 + 1011, 5, options)).toEqual(['r2', 'r3']);
    });

    it('takes over a lapsed lease at the limit behind many older ready workflows it refuses', async () => {
      const options = limited('export', { concurrency: 1, perKey: 1 });
      for (let i = 0; i < 40; i++)
        await insert(`w${i}`, T0 + i, { concurrencyKey: 'k' });
      // w0 is claimed, and its process dies: its lease (its slot) lapses at T0 + 100.
      const [dead] = await store.claimReady(
        T0 + 50,
        [lease(T0 + 100)],
        undefined,
        options,
      );
      expect(dead.id).toBe('w0');
      // The 39 others, ready since before the lapse, are refused: only w0 can be claimed.
      expect(await claimIds(T0 + 200, 1, options)).toEqual(['w0']);
    });

    it('takes over a lapsed lease that was claimed without the limit only within the limit', async () => {
      const options = limited('export', { concurrency: 1 });
      await insert('w0', T0);
      // w0 is claimed by a worker without the limit (or one that died before its slot was
      // taken), and its lease lapses at T0 + 100.
      const [dead] = await store.claimReady(T0 + 50, [lease(T0 + 100)]);
      expect(dead.id).toBe('w0');
      await insert('w1', T0 + 1);
      expect(await claimIds(T0 + 200, 5, options)).toHaveLength(1);
      expect(await claimIds(T0 + 201, 5, options)).toEqual([]);
    });

    it('keeps a concurrency limit when two store objects race their claims', async () => {
      for (let i = 0; i < 60; i++)
        await insert(`w${i}`, T0 + i, { concurrencyKey: `k${i % 4}` });
      const two = await otherStore(factory, store);
      const options = limited('export', { concurrency: 3, perKey: 1 });
      const held = new Map<string, string>();
      try {
        for (let round = 0; round < 12; round++) {
          const now = T0 + 100 + round;
          const claims = await Promise.all(
            [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
              two.store(i).claimReady(now, leases(3, now), undefined, options),
            ),
          );
          for (const claimed of claims.flat())
            held.set(claimed.id, claimed.leaseToken);
          expect(held.size <= 3).toBe(true);
          const keys = new Set<string | undefined>();
          for (const id of held.keys())
            keys.add((await store.getWorkflow(id))?.concurrencyKey);
          expect(keys.size).toBe(held.size);
          // One ends each round, making room for the next.
          const [id, token] = [...held][0] ?? [];
          if (id) {
            await store.recordFinish(id, token, { result: '1', now });
            held.delete(id);
          }
        }
      } finally {
        await two.close();
      }
    });
  });
}
