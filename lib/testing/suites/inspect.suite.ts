import type { Persistence, WorkflowStatus } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, keep, lease, operationsKit } from './suite-kit';

/** What operators read of every store: one workflow, pages of summaries, counts. */
export function inspectOperations(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('inspecting, listing and counting', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const { insert, claimOnly, withStatus } = operationsKit(() => store);

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
          version: 1,
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
          compensating: 0,
        });
        expect(await store.countWorkflows({ name: 'report' })).toEqual({
          idle: 1,
          running: 0,
          failed: 0,
          finished: 0,
          aborted: 0,
          cancelled: 0,
          compensating: 0,
        });
      });
    });
  });
}
