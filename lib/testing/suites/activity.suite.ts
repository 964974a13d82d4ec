import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, lease } from './suite-kit';

/**
 * Activity (`Persistence.activity`, optional; the dashboard's charts): workflows created and
 * ended per bucket, and the steps recorded with their durations, from the stored records.
 */
export function activityContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe(`${factory.label} activity`, () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    it('counts created and ended workflows and step durations per bucket, every bucket answered', async () => {
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 });
      await store.insertWorkflow({
        id: 'b',
        name: 'wf',
        input: '1',
        now: T0 + MINUTE + 5,
      });
      const [a] = await store.claimReady(T0 + 10, [lease(T0 + 10 * MINUTE)]);
      for (const [id, startedAt, recordedAt] of [
        ['one', T0 + MINUTE + 10, T0 + MINUTE + 40],
        ['two', T0 + MINUTE + 50, T0 + MINUTE + 150],
      ] as const) {
        await store.recordStep(
          'a',
          a.leaseToken,
          { kind: 'step', id, result: '1', startedAt, recordedAt },
          { readyAt: T0 + 10 * MINUTE, release: false, now: recordedAt },
        );
      }
      await store.recordFinish('a', a.leaseToken, {
        result: '1',
        now: T0 + 2 * MINUTE + 1,
      });
      expect(await store.cancelWorkflow('b', T0 + 2 * MINUTE + 2)).toBe(true);

      const buckets = await store.activity!({
        since: T0,
        until: T0 + 4 * MINUTE,
        bucketMs: MINUTE,
      });
      expect(buckets).toEqual([
        {
          start: T0,
          created: 1,
          ended: 0,
          finished: 0,
          steps: 0,
          stepMsTotal: 0,
          stepMsMax: 0,
        },
        {
          start: T0 + MINUTE,
          created: 1,
          ended: 0,
          finished: 0,
          steps: 2,
          stepMsTotal: 130,
          stepMsMax: 100,
        },
        {
          start: T0 + 2 * MINUTE,
          created: 0,
          ended: 2,
          finished: 1,
          steps: 0,
          stepMsTotal: 0,
          stepMsMax: 0,
        },
        {
          start: T0 + 3 * MINUTE,
          created: 0,
          ended: 0,
          finished: 0,
          steps: 0,
          stepMsTotal: 0,
          stepMsMax: 0,
        },
      ]);
    });
  });
}
