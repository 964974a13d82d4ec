import type { Persistence, WorkflowError } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease, operationsKit } from './suite-kit';

const DEADLINE = T0 + 60 * MINUTE;
const exceeded: WorkflowError = {
  name: 'DeadlineExceededError',
  message: 'deadline exceeded',
};

/**
 * Deadlines on every store: a workflow's `deadlineAt` is kept and handed back with every claim
 * and read, and a cancel can say why (the reason the engine stores when a deadline passes).
 */
export function deadlinesContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('deadlines', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const { insert, withStatus } = operationsKit(() => store);
    const insertWithDeadline = (id: string, deadlineAt = DEADLINE) =>
      store.insertWorkflow({
        id,
        name: 'wf',
        input: '"in"',
        now: T0,
        deadlineAt,
      });

    it('keeps the deadline of a workflow and hands it back in its claim and its read', async () => {
      expect(await insertWithDeadline('a')).toBe(true);
      expect((await store.getWorkflow('a'))?.deadlineAt).toBe(DEADLINE);
      const claimed = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(claimed).toMatchObject({ id: 'a', deadlineAt: DEADLINE });
    });

    it('keeps the deadline of a workflow inserted already claimed, for its next claim', async () => {
      const held = lease(T0 + MINUTE);
      await store.insertWorkflow(
        { id: 'a', name: 'wf', input: '"in"', now: T0, deadlineAt: DEADLINE },
        held,
      );
      expect((await store.getWorkflow('a'))?.deadlineAt).toBe(DEADLINE);
      await store.releaseLease('a', held.token, { readyAt: T0, now: T0 });
      const claimed = await claimNext(store, T0 + 1, lease(T0 + MINUTE));
      expect(claimed).toMatchObject({ id: 'a', deadlineAt: DEADLINE });
    });

    it('keeps the deadline of each of several workflows inserted at once', async () => {
      const ids = ['a', 'b', 'c', 'd'];
      await Promise.all(
        ids.map((id, i) => insertWithDeadline(id, DEADLINE + i)),
      );
      for (const [i, id] of ids.entries()) {
        expect((await store.getWorkflow(id))?.deadlineAt).toBe(DEADLINE + i);
      }
    });

    it('has no deadline for a workflow inserted without one', async () => {
      await insert('a');
      expect((await store.getWorkflow('a'))?.deadlineAt).toBeUndefined();
      const claimed = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(claimed?.id).toBe('a');
      expect(claimed?.deadlineAt).toBeUndefined();
    });

    it('stores the reason of a cancel as the error, shown by get and list', async () => {
      await insertWithDeadline('a');
      await claimNext(store, T0, lease(T0 + MINUTE));
      expect(
        await store.cancelWorkflow('a', DEADLINE, { reason: exceeded }),
      ).toBe(true);
      expect(await store.getWorkflow('a')).toMatchObject({
        status: 'cancelled',
        error: exceeded,
        deadlineAt: DEADLINE,
        updatedAt: DEADLINE,
      });
      const [listed] = await store.listWorkflows({ limit: 10 });
      expect(listed).toMatchObject({ id: 'a', error: exceeded });
    });

    it('keeps the error of a failed workflow cancelled without a reason', async () => {
      await withStatus('a', 'failed');
      expect(await store.cancelWorkflow('a', T0 + 1)).toBe(true);
      expect(await store.getWorkflow('a')).toMatchObject({
        status: 'cancelled',
        error: { name: 'Error', message: 'down' },
      });
    });

    it('keeps the first reason of a workflow cancelled twice, and stores none on an ended one', async () => {
      await insert('a');
      await store.cancelWorkflow('a', T0 + 1, { reason: exceeded });
      expect(
        await store.cancelWorkflow('a', T0 + 2, {
          reason: { name: 'Error', message: 'other' },
        }),
      ).toBe(true);
      expect((await store.getWorkflow('a'))?.error).toEqual(exceeded);
      await withStatus('b', 'finished');
      expect(
        await store.cancelWorkflow('b', T0 + 2, { reason: exceeded }),
      ).toBe(false);
      expect(await store.getWorkflow('b')).toMatchObject({
        status: 'finished',
      });
      expect((await store.getWorkflow('b'))?.error).toBeUndefined();
    });
  });
}
