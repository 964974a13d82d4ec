import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { lease, MINUTE, T0 } from './suite-kit';

/**
 * How a store lets workers decide takeovers whatever their clocks: with the server's clock
 * (`serverTime`), or, without one, by listing leases (`listLeases`) and taking over only leases
 * seen unchanged (`claimReady`'s `takeOver`).
 */
export function clockContract(
  factory: StoreFactory,
  kind: 'server-clock' | 'lease-watch',
): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store: clocks and takeovers (${kind})`, () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    afterAll(async () => {
      await factory.cleanup();
    });

    const insert = (id: string, now = T0) =>
      store.insertWorkflow({ id, name: 'wf', input: '1', now });

    if (kind === 'server-clock') {
      it("answers the server's clock (the test server runs on this machine)", async () => {
        const before = Date.now();
        const server = await store.serverTime!();
        expect(server).toBeGreaterThan(before - 5_000);
        expect(server).toBeLessThan(Date.now() + 5_000);
      });
      return;
    }

    it('lists leased workflows whose lease ends by a time, soonest first, and no others', async () => {
      const soon = lease(T0 + MINUTE);
      const later = lease(T0 + 2 * MINUTE);
      const after = lease(T0 + 3 * MINUTE);
      await store.insertWorkflow(
        { id: 'b', name: 'wf', input: '1', now: T0 },
        later,
      );
      await store.insertWorkflow(
        { id: 'a', name: 'wf', input: '1', now: T0 },
        soon,
      );
      await store.insertWorkflow(
        { id: 'c', name: 'wf', input: '1', now: T0 },
        after,
      );
      await insert('idle');
      const released = lease(T0 + MINUTE);
      await store.insertWorkflow(
        { id: 'asleep', name: 'wf', input: '1', now: T0 },
        released,
      );
      await store.releaseLease('asleep', released.token, {
        readyAt: T0 + 10,
        now: T0,
      });

      expect(await store.listLeases!(T0 + 2 * MINUTE, 10)).toEqual([
        { workflowId: 'a', leaseToken: soon.token, until: soon.until },
        { workflowId: 'b', leaseToken: later.token, until: later.until },
      ]);
      expect(await store.listLeases!(T0 + 3 * MINUTE, 1)).toEqual([
        { workflowId: 'a', leaseToken: soon.token, until: soon.until },
      ]);
    });

    it('with takeOver, claims a leased workflow only as it was seen, and others as usual', async () => {
      const seen = lease(T0 + MINUTE);
      const renewed = lease(T0 + MINUTE);
      const unseen = lease(T0 + MINUTE);
      await store.insertWorkflow(
        { id: 'seen', name: 'wf', input: '1', now: T0 },
        seen,
      );
      await store.insertWorkflow(
        { id: 'renewed', name: 'wf', input: '1', now: T0 },
        renewed,
      );
      await store.insertWorkflow(
        { id: 'unseen', name: 'wf', input: '1', now: T0 },
        unseen,
      );
      await insert('idle', T0 + 2 * MINUTE);
      expect(
        await store.renewLease('renewed', {
          token: renewed.token,
          until: T0 + 90_000,
        }),
      ).toBe(true);
      const now = T0 + 5 * MINUTE;
      const takeOver = [
        { workflowId: 'seen', leaseToken: seen.token, until: seen.until },
        {
          workflowId: 'renewed',
          leaseToken: renewed.token,
          until: renewed.until,
        },
      ];

      // Not yet expired at `now`: not taken, even though seen.
      expect(
        (
          await store.claimReady(T0 + 30_000, [lease(now + MINUTE)], takeOver)
        ).map((claimed) => claimed.id),
      ).toEqual([]);
      const claimed = await store.claimReady(
        now,
        [lease(now + MINUTE), lease(now + MINUTE), lease(now + MINUTE)],
        takeOver,
      );
      expect(claimed.map((c) => c.id)).toEqual(['seen', 'idle']);
      expect(await store.getWorkflow('seen')).toMatchObject({
        status: 'running',
        leaseToken: claimed[0].leaseToken,
        attempts: 2,
      });
      // Without takeOver, any expired lease is claimed, as before.
      expect(
        (
          await store.claimReady(now, [
            lease(now + MINUTE),
            lease(now + MINUTE),
          ])
        ).map((c) => c.id),
      ).toEqual(['unseen', 'renewed']);
    });
  });
}
