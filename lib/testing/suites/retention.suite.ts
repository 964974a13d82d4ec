import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import {
  MINUTE,
  T0,
  claimNext,
  keep,
  lease,
  operationsKit,
  step,
} from './suite-kit';

/**
 * Retention (`deleteWorkflow`, `purgeWorkflows`): only ended workflows go, each with everything
 * kept with it; a purge takes the oldest of one status first, a bounded batch at a time.
 */
export function retentionRules(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('retention', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const { insert, claimOnly, withStatus } = operationsKit(() => store);
    const remove = (id: string) => store.deleteWorkflow!(id);

    it('deletes an ended workflow with its records and signals: its id starts afresh', async () => {
      await insert('a');
      // Signals, where the store keeps them (a store that refuses them is checked without).
      const signalled = await store
        .sendSignal({
          workflowId: 'a',
          name: 'go',
          payload: '1',
          signalId: 'sig-1',
          now: T0,
        })
        .then(
          () => true,
          () => false,
        );
      const token = await claimOnly('a', T0);
      await store.recordStep('a', token, step('s', '"1"'), keep(T0));
      await store.recordFinish('a', token, { result: '"done"', now: T0 + 1 });

      expect(await remove('a')).toBe(true);
      expect(await store.getWorkflow('a')).toBeUndefined();
      expect((await store.countWorkflows({})).finished).toBe(0);
      expect(await store.listWorkflows({ limit: 10 })).toEqual([]);

      expect(
        await store.insertWorkflow({
          id: 'a',
          name: 'wf',
          input: '"2"',
          now: T0 + 2,
        }),
      ).toBe(true);
      const claimed = await claimNext(store, T0 + 2, lease(T0 + MINUTE));
      expect(claimed).toMatchObject({
        id: 'a',
        input: '"2"',
        steps: [],
        signals: [],
      });
      if (signalled) {
        // The old signal id is free again too.
        expect(
          await store.sendSignal({
            workflowId: 'a',
            name: 'go',
            payload: '2',
            signalId: 'sig-1',
            now: T0 + 3,
          }),
        ).toBe('delivered');
      }
    });

    it('deletes aborted and cancelled workflows, and leaves one that has not ended as it is', async () => {
      await withStatus('dead', 'aborted');
      await withStatus('gone', 'cancelled', T0 + 1);
      await withStatus('retrying', 'failed', T0 + 3);
      await withStatus('waiting', 'idle', T0 + 2);
      expect(await remove('dead')).toBe(true);
      expect(await remove('gone')).toBe(true);
      expect(await remove('waiting')).toBe(false);
      expect(await remove('retrying')).toBe(false);
      expect(await remove('nope')).toBeUndefined();
      expect((await store.getWorkflow('waiting'))?.status).toBe('idle');
      expect((await store.getWorkflow('retrying'))?.status).toBe('failed');
    });

    it('does not delete a running workflow: its run goes on and finishes', async () => {
      await insert('a');
      const token = await claimOnly('a', T0);
      expect(await remove('a')).toBe(false);
      expect(
        await store.recordStep('a', token, step('s', '"1"'), keep(T0 + 1)),
      ).toBe(true);
      expect(
        await store.recordFinish('a', token, { result: '"r"', now: T0 + 2 }),
      ).toBe(true);
      expect((await store.getWorkflow('a'))?.steps).toHaveLength(1);
    });

    it('purges the oldest ended workflows of one status, before a time, a batch at a time', async () => {
      for (let i = 0; i < 5; i++) await withStatus(`f${i}`, 'finished', T0 + i);
      await withStatus('x', 'aborted', T0);
      await withStatus('live', 'idle', T0);
      const purge = { status: 'finished' as const, endedBefore: T0 + 4 };

      expect(await store.purgeWorkflows!({ ...purge, limit: 2 })).toBe(2);
      expect(await store.getWorkflow('f0')).toBeUndefined();
      expect(await store.getWorkflow('f1')).toBeUndefined();
      expect((await store.getWorkflow('f2'))?.status).toBe('finished');

      expect(await store.purgeWorkflows!({ ...purge, limit: 10 })).toBe(2);
      expect(await store.purgeWorkflows!({ ...purge, limit: 10 })).toBe(0);
      // Not before the time, of another status, or not ended: kept.
      expect((await store.getWorkflow('f4'))?.status).toBe('finished');
      expect((await store.getWorkflow('x'))?.status).toBe('aborted');
      expect((await store.getWorkflow('live'))?.status).toBe('idle');
      expect(
        await store.purgeWorkflows!({
          status: 'idle',
          endedBefore: T0 + MINUTE,
          limit: 10,
        }),
      ).toBe(0);
      expect((await store.countWorkflows({})).finished).toBe(1);
    });

    it('claims and runs other workflows between purges', async () => {
      for (let i = 0; i < 3; i++) await withStatus(`old${i}`, 'finished', T0);
      await insert('next', T0 + 1);
      expect(
        await store.purgeWorkflows!({
          status: 'finished',
          endedBefore: T0 + 1,
          limit: 2,
        }),
      ).toBe(2);
      const token = await claimOnly('next', T0 + 2);
      expect(
        await store.purgeWorkflows!({
          status: 'finished',
          endedBefore: T0 + 3,
          limit: 2,
        }),
      ).toBe(1);
      expect(
        await store.recordFinish('next', token, {
          result: '"ok"',
          now: T0 + 4,
        }),
      ).toBe(true);
      expect((await store.getWorkflow('next'))?.status).toBe('finished');
    });
  });
}
