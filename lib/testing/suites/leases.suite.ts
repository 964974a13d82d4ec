import type { Persistence, StoredStep } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease, step } from './suite-kit';

/** Leases fence every write; a write repeated after its answer was lost is answered as its applied try. */
export function leasesContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('leases and fencing', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insert = (id: string, now = T0, name = 'wf', input = '"in"') =>
      store.insertWorkflow({ id, name, input, now });

    describe('leases and fencing', () => {
      it('lets another claim take a workflow whose lease expired, and fences out the old owner', async () => {
        await insert('a');
        const old = await claimNext(store, T0, lease(T0 + MINUTE));
        expect(
          await claimNext(store, T0 + MINUTE - 1, lease(T0 + 2 * MINUTE)),
        ).toBeUndefined();
        const next = await claimNext(
          store,
          T0 + MINUTE,
          lease(T0 + 2 * MINUTE),
        );
        expect(next?.id).toBe('a');

        const stale = old!.leaseToken;
        const keep = { readyAt: T0 + 5 * MINUTE, release: false, now: T0 };
        expect(await store.recordStep('a', stale, step('x', '1'), keep)).toBe(
          false,
        );
        expect(
          await store.renewLease('a', { token: stale, until: T0 + 9 * MINUTE }),
        ).toBe(false);
        expect(
          await store.releaseLease('a', stale, { readyAt: T0, now: T0 }),
        ).toBe(false);
        expect(
          await store.recordFinish('a', stale, { result: '"zombie"', now: T0 }),
        ).toBe(false);
        expect(
          await store.recordFailure('a', stale, {
            error: { name: 'Error', message: 'zombie' },
            retryAt: T0,
            maxFailures: 1,
            now: T0,
          }),
        ).toBeUndefined();
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          readyAt: T0 + 2 * MINUTE,
          steps: [],
          failures: 0,
        });

        expect(
          await store.recordStep('a', next!.leaseToken, step('x', '2'), keep),
        ).toBe(true);
        expect((await store.getWorkflow('a'))?.steps).toEqual([step('x', '2')]);
      });

      it('renewing a lease keeps other claims away until the new expiry', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        expect(
          await store.renewLease('a', {
            token: held!.leaseToken,
            until: T0 + 3 * MINUTE,
          }),
        ).toBe(true);
        expect(
          await claimNext(store, T0 + 2 * MINUTE, lease(T0 + 4 * MINUTE)),
        ).toBeUndefined();
        expect(
          (await claimNext(store, T0 + 3 * MINUTE, lease(T0 + 4 * MINUTE)))?.id,
        ).toBe('a');
      });

      it('releasing a lease makes the workflow ready at the given time', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        expect(
          await store.releaseLease('a', held!.leaseToken, {
            readyAt: T0 + 10,
            now: T0 + 1,
          }),
        ).toBe(true);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          readyAt: T0 + 10,
        });
        expect(
          await claimNext(store, T0 + 9, lease(T0 + MINUTE)),
        ).toBeUndefined();
        expect((await claimNext(store, T0 + 10, lease(T0 + MINUTE)))?.id).toBe(
          'a',
        );
        expect(
          await store.renewLease('a', {
            token: held!.leaseToken,
            until: T0 + 5 * MINUTE,
          }),
        ).toBe(false);
      });
    });

    describe('a write repeated after its answer was lost', () => {
      // The engine repeats a write that threw, not knowing whether it was applied: each repeat
      // of an applied write is answered as the applied try was, and changes nothing more.
      const twice = async <T>(write: () => Promise<T>): Promise<T[]> => [
        await write(),
        await write(),
      ];
      const claimed = async (id: string) => {
        await insert(id);
        return (await claimNext(store, T0, lease(T0 + MINUTE)))!.leaseToken;
      };

      it('a step, while the lease holds: true, recorded once', async () => {
        const token = await claimed('a');
        const keep = { readyAt: T0 + MINUTE, release: false, now: T0 + 1 };
        expect(
          await twice(() => store.recordStep('a', token, step('s', '1'), keep)),
        ).toEqual([true, true]);
        expect((await store.getWorkflow('a'))?.steps).toEqual([step('s', '1')]);
      });

      it('a sleep that let the lease go: true, recorded once, still released', async () => {
        const token = await claimed('a');
        const nap: StoredStep = {
          kind: 'sleep',
          id: 'nap',
          wakeAt: T0 + 9 * MINUTE,
          recordedAt: T0 + 1,
        };
        const release = {
          readyAt: T0 + 9 * MINUTE,
          release: true,
          now: T0 + 1,
        };
        expect(
          await twice(() => store.recordStep('a', token, nap, release)),
        ).toEqual([true, true]);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          readyAt: T0 + 9 * MINUTE,
          steps: [nap],
        });
        expect(await store.getWorkflow('a')).not.toHaveProperty(
          'leaseToken',
          token,
        );
      });

      it('a release: true, and the workflow stays ready at the given time', async () => {
        const token = await claimed('a');
        expect(
          await twice(() =>
            store.releaseLease('a', token, { readyAt: T0 + 5, now: T0 + 1 }),
          ),
        ).toEqual([true, true]);
        expect((await claimNext(store, T0 + 5, lease(T0 + MINUTE)))?.id).toBe(
          'a',
        );
      });

      it('a finish: true, the result stored once', async () => {
        const token = await claimed('a');
        expect(
          await twice(() =>
            store.recordFinish('a', token, { result: '"r"', now: T0 + 1 }),
          ),
        ).toEqual([true, true]);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'finished',
          result: '"r"',
        });
      });

      it('a failure: the same status and count, the failure counted once', async () => {
        const failure = {
          error: { name: 'Error', message: 'down' },
          retryAt: T0 + 10,
          maxFailures: 2,
          now: T0 + 1,
        };
        const token = await claimed('a');
        expect(
          await twice(() => store.recordFailure('a', token, failure)),
        ).toEqual([
          { status: 'failed', failures: 1 },
          { status: 'failed', failures: 1 },
        ]);
        const next = (await claimNext(store, T0 + 10, lease(T0 + MINUTE)))!;
        expect(
          await twice(() =>
            store.recordFailure('a', next.leaseToken, {
              ...failure,
              now: T0 + 11,
            }),
          ),
        ).toEqual([
          { status: 'aborted', failures: 2 },
          { status: 'aborted', failures: 2 },
        ]);
        expect((await store.getWorkflow('a'))?.failures).toBe(2);
      });

      it('a renewal: true, the lease moved once', async () => {
        const token = await claimed('a');
        const renewed = { token, until: T0 + 2 * MINUTE };
        expect(await twice(() => store.renewLease('a', renewed))).toEqual([
          true,
          true,
        ]);
        expect((await store.getWorkflow('a'))?.readyAt).toBe(T0 + 2 * MINUTE);
      });

      it('is refused once another claim took the workflow, and under a token that never held it', async () => {
        const token = await claimed('a');
        const release = { readyAt: T0 + 5, now: T0 + 1 };
        expect(await store.releaseLease('a', token, release)).toBe(true);
        expect(await store.releaseLease('a', 'never-held', release)).toBe(
          false,
        );
        expect(
          await store.recordFinish('a', 'never-held', {
            result: '"x"',
            now: T0 + 1,
          }),
        ).toBe(false);
        const next = (await claimNext(store, T0 + 5, lease(T0 + MINUTE)))!;
        // The old lease's repeats are now writes of a lost lease.
        expect(await store.releaseLease('a', token, release)).toBe(false);
        expect(
          await store.recordStep('a', token, step('late', '1'), {
            readyAt: T0 + MINUTE,
            release: true,
            now: T0 + 6,
          }),
        ).toBe(false);
        expect(
          await store.recordFailure('a', token, {
            error: { name: 'Error', message: 'late' },
            retryAt: T0 + 10,
            maxFailures: 3,
            now: T0 + 6,
          }),
        ).toBeUndefined();
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          leaseToken: next.leaseToken,
          failures: 0,
          steps: [],
        });
        expect(
          await store.recordFinish('a', next.leaseToken, {
            result: '"r"',
            now: T0 + 7,
          }),
        ).toBe(true);
        expect(
          await store.recordFinish('a', token, { result: '"x"', now: T0 + 7 }),
        ).toBe(false);
      });
    });
  });
}
