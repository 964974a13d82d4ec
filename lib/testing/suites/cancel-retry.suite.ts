import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, keep, lease, operationsKit } from './suite-kit';

/** What operators do to a workflow on every store: cancel it, retry it. */
export function cancelRetryOperations(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('cancelling and retrying', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const { insert, claimOnly, withStatus } = operationsKit(() => store);

    describe('cancelling', () => {
      it('cancels an idle workflow so that it is never claimed', async () => {
        await insert('a');
        expect(await store.cancelWorkflow('a', T0 + 1)).toBe(true);
        expect(
          await claimNext(store, T0 + MINUTE, lease(T0 + 2 * MINUTE)),
        ).toBeUndefined();
        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({
          status: 'cancelled',
          updatedAt: T0 + 1,
        });
        expect(stored?.readyAt).toBeUndefined();
      });

      it('takes the lease from a running workflow: its next write is refused', async () => {
        await insert('a');
        const token = await claimOnly('a', T0);
        expect(await store.cancelWorkflow('a', T0 + 1)).toBe(true);
        const stored = await store.getWorkflow('a');
        expect(stored?.status).toBe('cancelled');
        expect(stored?.leaseToken).toBeUndefined();
        expect(
          await store.recordStep(
            'a',
            token,
            { kind: 'step', id: 's', result: '1', recordedAt: T0 + 2 },
            keep(T0 + 2),
          ),
        ).toBe(false);
        expect(
          await store.recordFinish('a', token, { result: '1', now: T0 + 3 }),
        ).toBe(false);
        expect(await store.renewLease('a', lease(T0 + MINUTE))).toBe(false);
        expect((await store.getWorkflow('a'))?.status).toBe('cancelled');
      });

      it('cancels a failed workflow waiting for its retry', async () => {
        await withStatus('a', 'failed');
        expect(await store.cancelWorkflow('a', T0 + 1)).toBe(true);
        expect(
          await claimNext(store, T0 + 2 * MINUTE, lease(T0 + 3 * MINUTE)),
        ).toBeUndefined();
      });

      it('leaves ended workflows alone and answers whether the workflow is cancelled', async () => {
        await withStatus('done', 'finished');
        await withStatus('dead', 'aborted', T0 + 1);
        await withStatus('gone', 'cancelled', T0 + 2);
        expect(await store.cancelWorkflow('done', T0 + 10)).toBe(false);
        expect(await store.cancelWorkflow('dead', T0 + 10)).toBe(false);
        expect(await store.cancelWorkflow('gone', T0 + 10)).toBe(true);
        expect(await store.cancelWorkflow('nope', T0 + 10)).toBeUndefined();
        expect(await store.getWorkflow('done')).toMatchObject({
          status: 'finished',
          result: '"done"',
          updatedAt: T0,
        });
        expect((await store.getWorkflow('dead'))?.status).toBe('aborted');
      });
    });

    describe('retrying', () => {
      it('brings an aborted workflow back with its steps, failures reset, ready at once', async () => {
        await insert('a');
        const token = await claimOnly('a', T0);
        await store.recordStep(
          'a',
          token,
          { kind: 'step', id: 'charge', result: '42', recordedAt: T0 + 1 },
          keep(T0 + 1),
        );
        await store.recordFailure('a', token, {
          error: { name: 'Error', message: 'mail down' },
          retryAt: T0 + MINUTE,
          maxFailures: 1,
          now: T0 + 2,
        });
        expect((await store.getWorkflow('a'))?.status).toBe('aborted');

        expect(await store.retryWorkflow('a', T0 + 100)).toBe(true);
        expect(await store.getWorkflow('a')).toMatchObject({
          status: 'idle',
          failures: 0,
          readyAt: T0 + 100,
        });
        const again = await claimNext(
          store,
          T0 + 100,
          lease(T0 + 100 + MINUTE),
        );
        expect(again).toMatchObject({ id: 'a' });
        expect((await store.getWorkflow('a'))?.failures).toBe(0);
        expect(again?.steps).toEqual([
          { kind: 'step', id: 'charge', result: '42', recordedAt: T0 + 1 },
        ]);
        expect(
          await store.recordFinish('a', again!.leaseToken, {
            result: '"ok"',
            now: T0 + 101,
          }),
        ).toBe(true);
      });

      it('retries failed and cancelled workflows at once', async () => {
        await withStatus('f', 'failed', T0);
        await withStatus('c', 'cancelled', T0 + 1);
        expect(await store.retryWorkflow('f', T0 + 10)).toBe(true);
        expect(await store.retryWorkflow('c', T0 + 11)).toBe(true);
        const first = await claimNext(store, T0 + 20, lease(T0 + MINUTE));
        const second = await claimNext(store, T0 + 20, lease(T0 + MINUTE));
        expect([first?.id, second?.id]).toEqual(['f', 'c']);
      });

      it('refuses workflows that are idle, running or finished, and unknown ids', async () => {
        await withStatus('done', 'finished', T0);
        await insert('busy', T0 + 1);
        await claimOnly('busy', T0 + 1);
        await insert('idle', T0 + 2);
        for (const id of ['idle', 'done', 'busy']) {
          expect(await store.retryWorkflow(id, T0 + 10)).toBe(false);
        }
        expect(await store.retryWorkflow('nope', T0 + 10)).toBeUndefined();
        expect((await store.getWorkflow('done'))?.status).toBe('finished');
        expect((await store.getWorkflow('busy'))?.status).toBe('running');
      });
    });
  });
}
