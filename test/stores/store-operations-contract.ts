import { randomUUID } from 'node:crypto';
import type { Lease, Persistence, WorkflowStatus } from '@lidex/nestjs';
import type { StoreFactory } from '../support/store-factories';
import { claimNext } from '../support/claim-next';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const lease = (until: number): Lease => ({ token: randomUUID(), until });
const keep = (now: number) => ({ readyAt: now + MINUTE, release: false, now });

/**
 * What operators ask of every store (inspect, list, count, cancel, retry), run unchanged
 * against each store. Times are explicit arguments, so the suite controls the clock.
 */
export function describeStoreOperations(factory: StoreFactory): void {
  describe(`${factory.label} store operations`, () => {
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

    const insert = (id: string, now = T0, name = 'wf') =>
      store.insertWorkflow({ id, name, input: '"in"', now });

    /** Takes workflow `id` (the only ready one) and gives it an outcome. */
    const claimOnly = async (id: string, now: number) => {
      const held = await claimNext(store, now, lease(now + MINUTE));
      expect(held?.id).toBe(id);
      return held!.leaseToken;
    };

    const withStatus = async (id: string, status: WorkflowStatus, now = T0) => {
      await insert(id, now);
      if (status === 'idle') return;
      const token = await claimOnly(id, now);
      if (status === 'finished') {
        await store.recordFinish(id, token, { result: '"done"', now });
      } else if (status === 'failed' || status === 'aborted') {
        await store.recordFailure(id, token, {
          error: { name: 'Error', message: 'down' },
          retryAt: now + MINUTE,
          maxFailures: status === 'aborted' ? 1 : 3,
          now,
        });
      } else if (status === 'cancelled') {
        await store.cancelWorkflow(id, now);
      }
    };

    describe('inspecting', () => {
      it('keeps attempts, the error with its stack, and each step with its timing', async () => {
        const first = lease(T0 + MINUTE);
        await store.insertWorkflow(
          { id: 'a', name: 'wf', input: '"in"', now: T0 },
          first,
        );
        await store.recordStep(
          'a',
          first.token,
          {
            kind: 'step',
            id: 'charge',
            result: '42',
            startedAt: T0 + 1,
            recordedAt: T0 + 30,
          },
          keep(T0 + 30),
        );
        await store.recordStep(
          'a',
          first.token,
          { kind: 'sleep', id: 'nap', wakeAt: T0 + 1_000, recordedAt: T0 + 40 },
          { readyAt: T0 + 1_000, release: true, now: T0 + 40 },
        );
        const second = await claimNext(
          store,
          T0 + 1_000,
          lease(T0 + 2 * MINUTE),
        );
        const error = {
          name: 'TypeError',
          message: 'card declined',
          stack: 'TypeError: card declined\n    at pay (pay.ts:1:1)',
        };
        await store.recordFailure('a', second!.leaseToken, {
          error,
          retryAt: T0 + 5_000,
          maxFailures: 3,
          now: T0 + 1_001,
        });

        const stored = await store.getWorkflow('a');
        expect(stored).toMatchObject({
          status: 'failed',
          attempts: 2,
          failures: 1,
          error,
          readyAt: T0 + 5_000,
          createdAt: T0,
          updatedAt: T0 + 1_001,
        });
        expect(stored?.steps).toEqual([
          {
            kind: 'step',
            id: 'charge',
            result: '42',
            startedAt: T0 + 1,
            recordedAt: T0 + 30,
          },
          { kind: 'sleep', id: 'nap', wakeAt: T0 + 1_000, recordedAt: T0 + 40 },
        ]);
      });

      it('counts an attempt for every claim, none for a workflow never taken up', async () => {
        await insert('a');
        expect((await store.getWorkflow('a'))?.attempts).toBe(0);
        const token = await claimOnly('a', T0);
        await store.releaseLease('a', token, { readyAt: T0 + 1, now: T0 });
        await claimOnly('a', T0 + 1);
        expect((await store.getWorkflow('a'))?.attempts).toBe(2);
      });
    });

    describe('listing and counting', () => {
      it('lists newest first, ties broken by id, a page at a time without gaps or repeats', async () => {
        // Three created in the same millisecond, to show that the id breaks ties.
        const created = [
          ['w1', T0],
          ['w2', T0 + 5],
          ['w3', T0 + 5],
          ['w4', T0 + 5],
          ['w5', T0 + 9],
          ['w6', T0 + 12],
          ['w7', T0 + 20],
        ] as const;
        for (const [id, at] of created) await insert(id, at);

        const seen: string[] = [];
        let after: { createdAt: number; id: string } | undefined;
        for (let page = 0; page < 5; page++) {
          const rows = await store.listWorkflows({ limit: 3, after });
          if (rows.length === 0) break;
          seen.push(...rows.map((row) => row.id));
          const last = rows[rows.length - 1];
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(['w7', 'w6', 'w5', 'w4', 'w3', 'w2', 'w1']);
      });

      it('filters by status and by name, and answers summaries without input or steps', async () => {
        await withStatus('done-1', 'finished', T0);
        await withStatus('dead-1', 'aborted', T0 + 1);
        await withStatus('done-2', 'finished', T0 + 2);
        await store.insertWorkflow({
          id: 'other',
          name: 'report',
          input: '"x"',
          now: T0 + 3,
        });

        const finished = await store.listWorkflows({
          status: 'finished',
          limit: 10,
        });
        expect(finished.map((row) => row.id)).toEqual(['done-2', 'done-1']);
        expect(finished[0]).toEqual({
          id: 'done-2',
          name: 'wf',
          status: 'finished',
          failures: 0,
          attempts: 1,
          createdAt: T0 + 2,
          updatedAt: T0 + 2,
        });

        const aborted = await store.listWorkflows({
          status: 'aborted',
          limit: 10,
        });
        expect(aborted).toEqual([
          expect.objectContaining({
            id: 'dead-1',
            failures: 1,
            error: { name: 'Error', message: 'down' },
          }),
        ]);

        const reports = await store.listWorkflows({
          name: 'report',
          limit: 10,
        });
        expect(reports.map((row) => row.id)).toEqual(['other']);
        expect(
          await store.listWorkflows({
            name: 'report',
            status: 'finished',
            limit: 10,
          }),
        ).toEqual([]);
      });

      it('counts workflows by status, every status present, optionally of one name', async () => {
        const statuses: WorkflowStatus[] = [
          'finished',
          'finished',
          'aborted',
          'failed',
          'cancelled',
          'idle',
        ];
        for (const [i, status] of statuses.entries()) {
          await withStatus(`w${i}`, status, T0 + i);
        }
        await store.insertWorkflow({
          id: 'r',
          name: 'report',
          input: '1',
          now: T0 + 50,
        });
        expect(await store.countWorkflows({})).toEqual({
          idle: 2,
          running: 0,
          failed: 1,
          finished: 2,
          aborted: 1,
          cancelled: 1,
        });
        expect(await store.countWorkflows({ name: 'report' })).toEqual({
          idle: 1,
          running: 0,
          failed: 0,
          finished: 0,
          aborted: 0,
          cancelled: 0,
        });
      });
    });

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
