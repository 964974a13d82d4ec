import { randomUUID } from 'node:crypto';
import type { Lease, Persistence, StoredStep } from '@lidex/nestjs';
import type { StoreFactory } from '../support/store-factories';
import { claimNext } from '../support/claim-next';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const lease = (until: number): Lease => ({ token: randomUUID(), until });
const step = (id: string, result: string, recordedAt = T0): StoredStep => ({
  kind: 'step',
  id,
  result,
  recordedAt,
});

/**
 * The contract every store must hold, written once and run unchanged against each store.
 * Times are explicit arguments, so the suite controls the clock.
 */
export function describeStoreContract(factory: StoreFactory): void {
  describe(`${factory.label} store contract`, () => {
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
          steps: [step('one', '1', T0 + 1), sleep, step('two', '"2"', T0 + 3)],
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

      it('never gives one workflow to two concurrent batch claims', async () => {
        for (let i = 0; i < 30; i++) await insert(`w${i}`, T0 + i);
        const batches = await Promise.all(
          Array.from({ length: 6 }, () =>
            store.claimReady(
              T0 + 100,
              Array.from({ length: 8 }, () => lease(T0 + MINUTE)),
            ),
          ),
        );
        const ids = batches.flat().map((c) => c.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
      });

      it('never gives one workflow to two concurrent claims', async () => {
        for (let i = 0; i < 20; i++) await insert(`w${i}`, T0 + i);
        const claims = await Promise.all(
          Array.from({ length: 40 }, () =>
            claimNext(store, T0 + 100, lease(T0 + MINUTE)),
          ),
        );
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

    describe('steps and sleeps', () => {
      it('records a sleep and releases the workflow until it is due', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        const wakeAt = T0 + 30 * 24 * 60 * MINUTE;
        const nap: StoredStep = {
          kind: 'sleep',
          id: 'month',
          wakeAt,
          recordedAt: T0,
        };
        expect(
          await store.recordStep('a', held!.leaseToken, nap, {
            readyAt: wakeAt,
            release: true,
            now: T0,
          }),
        ).toBe(true);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          readyAt: wakeAt,
          steps: [nap],
        });
        expect(
          await claimNext(store, wakeAt - 1, lease(wakeAt + MINUTE)),
        ).toBeUndefined();
        const woken = await claimNext(store, wakeAt, lease(wakeAt + MINUTE));
        expect(woken?.steps).toEqual([nap]);
      });

      it('keeps a step and a sleep with the same id apart, and records a step at most once', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        const keep = { readyAt: T0 + MINUTE, release: false, now: T0 };
        await store.recordStep('a', held!.leaseToken, step('same', '1'), keep);
        await store.recordStep(
          'a',
          held!.leaseToken,
          { kind: 'sleep', id: 'same', wakeAt: T0, recordedAt: T0 },
          keep,
        );
        // A second record of the same step (a retried write) keeps the first.
        expect(
          await store.recordStep(
            'a',
            held!.leaseToken,
            step('same', '2'),
            keep,
          ),
        ).toBe(true);
        const steps = (await store.getWorkflow('a'))!.steps;
        expect(steps.map((s) => [s.kind, s.id, s.result])).toEqual([
          ['step', 'same', '1'],
          ['sleep', 'same', undefined],
        ]);
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

    describe('finishing and failing', () => {
      it('stores the result of a finished workflow', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        expect(
          await store.recordFinish('a', held!.leaseToken, {
            result: '{"paid":true}',
            now: T0 + 5,
          }),
        ).toBe(true);
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({
          status: 'finished',
          result: '{"paid":true}',
          updatedAt: T0 + 5,
        });
        expect(stored?.readyAt).toBeUndefined();
      });

      it('counts failures, retries after the interval and aborts at maxFailures', async () => {
        await insert('a');
        const error = {
          name: 'TypeError',
          message: 'card declined',
          stack: 'TypeError: card declined\n    at pay',
        };
        let now = T0;
        for (let attempt = 1; attempt <= 3; attempt++) {
          const held = await claimNext(store, now, lease(now + MINUTE));
          expect((await store.getWorkflow('a'))?.failures).toBe(attempt - 1);
          const outcome = await store.recordFailure('a', held!.leaseToken, {
            error,
            retryAt: now + 10,
            maxFailures: 3,
            now,
          });
          expect(outcome).toEqual({
            status: attempt < 3 ? 'failed' : 'aborted',
            failures: attempt,
          });
          if (attempt < 3) {
            expect(
              await claimNext(store, now + 9, lease(now + MINUTE)),
            ).toBeUndefined();
          }
          now += 10;
        }
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({ status: 'aborted', failures: 3, error });
        expect(stored?.readyAt).toBeUndefined();
      });
    });

    describe('failures that cannot succeed on retry', () => {
      it('aborts at once, on the first failure, when the failure says abort', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        const error = {
          name: 'ValueNotStorableError',
          message: 'cannot store it',
        };
        const outcome = await store.recordFailure('a', held!.leaseToken, {
          error,
          retryAt: T0 + 10,
          maxFailures: 3,
          abort: true,
          now: T0 + 1,
        });
        expect(outcome).toEqual({ status: 'aborted', failures: 1 });
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({
          status: 'aborted',
          failures: 1,
          error,
          updatedAt: T0 + 1,
        });
        expect(stored?.readyAt).toBeUndefined();
        expect(
          await claimNext(store, T0 + MINUTE * 10, lease(T0 + MINUTE * 11)),
        ).toBeUndefined();
      });
    });

    describe('ids are data', () => {
      const ids = [
        'dots.in.the.id',
        '$where',
        '$set.steps',
        `quotes ' " \` and; DROP TABLE lidex_workflows; --`,
        'unicode ✓ 日本語 🚀',
        'x'.repeat(10_000),
        '{"$gt": ""}',
        '__proto__',
      ];

      it('stores and finds workflows and steps under any string id', async () => {
        for (const [i, id] of ids.entries()) {
          expect(await insert(id, T0 + i)).toBe(true);
        }
        for (const [i, id] of ids.entries()) {
          const held = await claimNext(store, T0 + 100, lease(T0 + MINUTE));
          expect(held?.id).toBe(id);
          const keep = { readyAt: T0 + MINUTE, release: false, now: T0 };
          expect(
            await store.recordStep(
              id,
              held!.leaseToken,
              step(id, `${i}`),
              keep,
            ),
          ).toBe(true);
        }
        for (const [i, id] of ids.entries()) {
          const stored = await store.getWorkflow(id);
          expect(stored?.id).toBe(id);
          expect(stored?.steps).toEqual([step(id, `${i}`)]);
        }
        expect(await store.getWorkflow('dots')).toBeUndefined();
        expect(await store.getWorkflow('$where.x')).toBeUndefined();
      });
    });

    if (factory.durable) {
      it('keeps everything when the store is closed and opened again', async () => {
        await insert('a', T0, 'wf', '{"kept":true}');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        await store.recordStep('a', held!.leaseToken, step('one', '"1"'), {
          readyAt: T0 + MINUTE,
          release: false,
          now: T0,
        });
        await store.close();
        store = await factory.reopen();
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          input: '{"kept":true}',
          steps: [step('one', '"1"')],
        });
        expect(
          await store.recordStep('a', held!.leaseToken, step('two', '2'), {
            readyAt: T0 + MINUTE,
            release: false,
            now: T0,
          }),
        ).toBe(true);
      });
    }
  });
}
