import type { Persistence, StoredStep } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease, step } from './suite-kit';

/** Steps, sleeps, results and failures as recorded; ids are data; what a durable store keeps. */
export function recordsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('recording', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insert = (id: string, now = T0, name = 'wf', input = '"in"') =>
      store.insertWorkflow({ id, name, input, now });

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

      it('records the last step with the finish, both or neither (finishTakesStep)', async () => {
        // A store without the capability is never given a step with its finish.
        if (store.finishTakesStep !== true) return;
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        const keep = { release: false, now: T0 + 1 };
        await store.recordStep('a', held!.leaseToken, step('charge', '1'), {
          ...keep,
          readyAt: T0 + MINUTE,
        });
        const last = { ...step('ship', '"sent"', T0 + 2), startedAt: T0 + 1 };
        const finish = { result: '"done"', now: T0 + 3, step: last };
        // Under a lease it does not hold: neither.
        expect(await store.recordFinish('a', 'not-the-lease', finish)).toBe(
          false,
        );
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'running',
          steps: [step('charge', '1')],
        });
        expect(await store.recordFinish('a', held!.leaseToken, finish)).toBe(
          true,
        );
        // A repeat of the write (its first answer lost) is answered as applied, changing nothing.
        expect(await store.recordFinish('a', held!.leaseToken, finish)).toBe(
          true,
        );
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({ status: 'finished', result: '"done"' });
        expect(stored?.steps).toEqual([step('charge', '1'), last]);
        // A replay would find it: nothing claims a finished workflow, and its record is whole.
        expect(
          await claimNext(store, T0 + MINUTE, lease(T0 + 2 * MINUTE)),
        ).toBeUndefined();
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
      it('keeps an error whole, its encoded message (a codec that encodes errors) too', async () => {
        await insert('a');
        const held = await claimNext(store, T0, lease(T0 + MINUTE));
        const error = {
          name: 'CardDeclinedError',
          message: 'encrypted (key k1)',
          encoded: 'aes256gcm:k1:aXY=:dGFn:Ym9keQ==',
        };
        await store.recordFailure('a', held!.leaseToken, {
          error,
          retryAt: T0 + 10,
          maxFailures: 1,
          now: T0 + 1,
        });
        expect((await store.getWorkflow('a'))?.error).toEqual(error);
        const [listed] = await store.listWorkflows({ limit: 10 });
        expect(listed.error).toEqual(error);
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
