import type { Persistence, StoredStep } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, keep, lease, step } from './suite-kit';

/** A failed attempt of step `stepId` as the engine records it. */
const attempt = (
  stepId: string,
  n: number,
  startedAt: number,
  wakeAt?: number,
): StoredStep => ({
  kind: 'attempt',
  id: `${stepId}#${n}`,
  result: JSON.stringify({ name: 'Error', message: `failure ${n}` }),
  startedAt,
  recordedAt: startedAt + 10,
  ...(wakeAt === undefined ? {} : { wakeAt }),
});

/**
 * A step's failed attempts and the values of the replay-safe helpers (`ctx.now()` and the
 * like), kept like steps: the rule "Attempts and values" of the store contract.
 */
export function stepAttemptsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('step attempts and values', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
      await store.insertWorkflow({
        id: 'a',
        name: 'wf',
        input: '"in"',
        now: T0,
      });
    });

    afterEach(async () => {
      await store.close();
    });

    it('keeps each failed attempt of a step (error, times, next due) beside its result, in order', async () => {
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const first = attempt('charge', 1, T0, T0 + 100);
      const second = attempt('charge', 2, T0 + 100, T0 + 300);
      const done: StoredStep = {
        ...step('charge', '"receipt"', T0 + 310),
        startedAt: T0 + 300,
      };
      for (const record of [first, second, done])
        expect(
          await store.recordStep('a', held!.leaseToken, record, keep(T0)),
        ).toBe(true);
      expect((await store.getWorkflow('a'))!.steps).toEqual([
        first,
        second,
        done,
      ]);
    });

    it('lets the workflow go until the next attempt is due, and hands the attempts to the claim then', async () => {
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const dueAt = T0 + 60 * MINUTE;
      const failed = attempt('charge', 1, T0, dueAt);
      expect(
        await store.recordStep('a', held!.leaseToken, failed, {
          readyAt: dueAt,
          release: true,
          now: T0 + 10,
        }),
      ).toBe(true);
      expect(await store.getWorkflow('a')).toMatchObject({
        status: 'running',
        readyAt: dueAt,
      });
      expect(
        await claimNext(store, dueAt - 1, lease(dueAt + MINUTE)),
      ).toBeUndefined();
      const resumed = await claimNext(store, dueAt, lease(dueAt + MINUTE));
      expect(resumed?.steps).toEqual([failed]);
    });

    it('records an attempt at most once, apart from a step of the same id, and fenced by the lease', async () => {
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const failed = attempt('x', 1, T0);
      await store.recordStep('a', held!.leaseToken, failed, keep(T0));
      // A repeat after a lost answer: accepted, the first kept.
      expect(
        await store.recordStep(
          'a',
          held!.leaseToken,
          { ...failed, result: '"other"' },
          keep(T0),
        ),
      ).toBe(true);
      await store.recordStep(
        'a',
        held!.leaseToken,
        step('x#1', '"r"'),
        keep(T0),
      );
      expect(
        await store.recordStep(
          'a',
          'not-the-lease',
          attempt('x', 2, T0),
          keep(T0),
        ),
      ).toBe(false);
      const steps = (await store.getWorkflow('a'))!.steps;
      expect(steps.map((s) => [s.kind, s.id, s.result])).toEqual([
        ['attempt', 'x#1', failed.result],
        ['step', 'x#1', '"r"'],
      ]);
    });

    it('keeps the values of ctx.now(), ctx.random() and ctx.uuid() like steps', async () => {
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      const values: StoredStep[] = [
        { kind: 'value', id: 'now#1', result: '{"$date":1}', recordedAt: T0 },
        { kind: 'value', id: 'uuid#1', result: '"u"', recordedAt: T0 + 1 },
      ];
      for (const value of values)
        await store.recordStep('a', held!.leaseToken, value, keep(T0));
      await store.releaseLease('a', held!.leaseToken, { readyAt: T0, now: T0 });
      const again = await claimNext(store, T0 + 1, lease(T0 + MINUTE));
      expect(again?.steps).toEqual(values);
    });
  });
}
