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

    it('leaves out what happened before the window: a workflow ended then counts nothing, one still running counts only its new steps', async () => {
      const before = T0 - 10 * MINUTE;
      for (const id of ['old', 'long']) {
        await store.insertWorkflow({ id, name: 'wf', input: '1', now: before });
      }
      const claimed = await store.claimReady(before + 1, [
        lease(T0 + 10 * MINUTE),
        lease(T0 + 10 * MINUTE),
      ]);
      const token = (id: string) =>
        claimed.find((w) => w.id === id)!.leaseToken;
      const step = async (id: string, stepId: string, recordedAt: number) => {
        await store.recordStep(
          id,
          token(id),
          {
            kind: 'step',
            id: stepId,
            result: '1',
            startedAt: recordedAt - 20,
            recordedAt,
          },
          { readyAt: T0 + 10 * MINUTE, release: false, now: recordedAt },
        );
      };
      await step('old', 'one', before + 100);
      await store.recordFinish('old', token('old'), {
        result: '1',
        now: before + 200,
      });
      await step('long', 'one', before + 300);
      await step('long', 'two', T0 + 30);

      const buckets = await store.activity!({
        since: T0,
        until: T0 + 2 * MINUTE,
        bucketMs: MINUTE,
      });
      expect(buckets).toEqual([
        {
          start: T0,
          created: 0,
          ended: 0,
          finished: 0,
          steps: 1,
          stepMsTotal: 20,
          stepMsMax: 20,
        },
        {
          start: T0 + MINUTE,
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
