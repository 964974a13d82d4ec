import type { Persistence, StoredStep } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease, otherStore, step } from './suite-kit';

/** Creating workflows and claiming the ready ones, atomically across store objects. */
export function claimsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('creating and claiming', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insert = (id: string, now = T0, name = 'wf', input = '"in"') =>
      store.insertWorkflow({ id, name, input, now });

    describe('insertWorkflow', () => {
      it('creates an idle workflow, ready at once, and refuses a second one with the same id', async () => {
        expect(await insert('a', T0, 'wf', '{"x":1}')).toBe(true);
        expect(await insert('a', T0 + 1, 'other', '{"x":2}')).toBe(false);
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({
          id: 'a',
          name: 'wf',
          status: 'idle',
          input: '{"x":1}',
          failures: 0,
          readyAt: T0,
          createdAt: T0,
          steps: [],
        });
        expect(stored?.result).toBeUndefined();
        expect(stored?.error).toBeUndefined();
      });

      it('creates a workflow already claimed when given a lease', async () => {
        const held = lease(T0 + MINUTE);
        expect(
          await store.insertWorkflow(
            { id: 'a', name: 'wf', input: '1', now: T0 },
            held,
          ),
        ).toBe(true);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          readyAt: T0 + MINUTE,
        });
        expect(
          await claimNext(store, T0 + MINUTE - 1, lease(T0 + 2 * MINUTE)),
        ).toBeUndefined();
        expect(
          await store.recordFinish('a', held.token, {
            result: '"done"',
            now: T0 + 1,
          }),
        ).toBe(true);
      });

      it('answers undefined for a workflow that does not exist', async () => {
        expect(await store.getWorkflow('nope')).toBeUndefined();
      });
    });

    describe('claimReady', () => {
      it('returns nothing from an empty store', async () => {
        expect(await claimNext(store, T0, lease(T0 + MINUTE))).toBeUndefined();
      });

      it('claims the workflow that has been ready longest, and each one once', async () => {
        await insert('second', T0 + 2);
        await insert('first', T0 + 1);
        await insert('future', T0 + 100);
        const now = T0 + 10;
        const a = await claimNext(store, now, lease(now + MINUTE));
        const b = await claimNext(store, now, lease(now + MINUTE));
        const c = await claimNext(store, now, lease(now + MINUTE));
        expect([a?.id, b?.id, c?.id]).toEqual(['first', 'second', undefined]);
        expect(await store.getWorkflow('first')).toMatchObject({
          status: 'running',
          readyAt: now + MINUTE,
        });
      });

      it('hands back everything a replay needs: name, input, token and steps in order', async () => {
        await insert('a', T0, 'collect', '{"invoice":42}');
        const first = await claimNext(store, T0, lease(T0 + MINUTE));
        const sleep: StoredStep = {
          kind: 'sleep',
          id: 'nap',
          wakeAt: T0 + 5,
          recordedAt: T0 + 2,
        };
        for (const s of [
          step('one', '1', T0 + 1),
          sleep,
          step('two', '"2"', T0 + 3),
        ]) {
          expect(
            await store.recordStep('a', first!.leaseToken, s, {
              readyAt: T0 + MINUTE,
              release: false,
              now: T0,
            }),
          ).toBe(true);
        }
        const retry = await claimNext(
          store,
          T0 + MINUTE,
          lease(T0 + 2 * MINUTE),
        );
        expect(retry).toEqual({
          id: 'a',
          name: 'collect',
          input: '{"invoice":42}',
          leaseToken: expect.any(String),
          version: 1,
          steps: [step('one', '1', T0 + 1), sleep, step('two', '"2"', T0 + 3)],
          signals: [],
        });
        expect(retry!.leaseToken).not.toBe(first!.leaseToken);
      });

      it('claims several at once, oldest first, each under its own lease', async () => {
        for (let i = 0; i < 5; i++) await insert(`w${i}`, T0 + 5 - i);
        const leases = [1, 2, 3].map(() => lease(T0 + MINUTE));
        const claimed = await store.claimReady(T0 + 10, leases);
        expect(claimed.map((c) => [c.id, c.leaseToken])).toEqual([
          ['w4', leases[0].token],
          ['w3', leases[1].token],
          ['w2', leases[2].token],
        ]);
        const rest = await store.claimReady(
          T0 + 10,
          [1, 2, 3].map(() => lease(T0 + MINUTE)),
        );
        expect(rest.map((c) => c.id)).toEqual(['w1', 'w0']);
        expect(await store.claimReady(T0 + 10, [lease(T0 + MINUTE)])).toEqual(
          [],
        );
        for (const { id, leaseToken } of [...claimed, ...rest]) {
          expect(
            await store.recordFinish(id, leaseToken, {
              result: '1',
              now: T0 + 11,
            }),
          ).toBe(true);
        }
      });

      it('never gives one workflow to two concurrent batch claims, from two store objects', async () => {
        for (let i = 0; i < 30; i++) await insert(`w${i}`, T0 + i);
        const other = await otherStore(factory, store);
        const batches = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            other.store(i).claimReady(
              T0 + 100,
              Array.from({ length: 8 }, () => lease(T0 + MINUTE)),
            ),
          ),
        );
        await other.close();
        const ids = batches.flat().map((c) => c.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
      });

      it('never gives one workflow to two concurrent claims, from two store objects', async () => {
        for (let i = 0; i < 20; i++) await insert(`w${i}`, T0 + i);
        const other = await otherStore(factory, store);
        const claims = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            claimNext(other.store(i), T0 + 100, lease(T0 + MINUTE)),
          ),
        );
        await other.close();
        const ids = claims.filter((c) => c !== undefined).map((c) => c.id);
        expect(ids).toHaveLength(20);
        expect(new Set(ids).size).toBe(20);
      });

      it('does not claim finished or aborted workflows, however old', async () => {
        await insert('done', T0);
        await insert('dead', T0);
        const done = await claimNext(store, T0, lease(T0 + MINUTE));
        const dead = await claimNext(store, T0, lease(T0 + MINUTE));
        await store.recordFinish(done!.id, done!.leaseToken, {
          result: 'null',
          now: T0,
        });
        await store.recordFailure(dead!.id, dead!.leaseToken, {
          error: { name: 'Error', message: 'boom' },
          retryAt: T0,
          maxFailures: 1,
          now: T0,
        });
        expect(
          await claimNext(store, T0 + 1000 * MINUTE, lease(T0 + 1001 * MINUTE)),
        ).toBeUndefined();
      });
    });
  });
}
