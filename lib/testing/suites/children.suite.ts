import type { ParentLink, Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, claimNext, lease } from './suite-kit';

const PARENT: ParentLink = { workflowId: 'p', parentClose: 'cancel' };

/**
 * Child workflows on every store: a workflow inserted with `parent` keeps it and hands it back
 * with every claim and read (the engine tells the parent of the child's end, and a child whose
 * parent was cancelled cancels itself at its claim); the child's end reaches a parent waiting for
 * it as a signal, stored once however often it is sent.
 */
export function childrenContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('child workflows', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insertChild = (id: string, parent: ParentLink) =>
      store.insertWorkflow({
        id,
        name: 'child',
        input: '"in"',
        now: T0,
        parent,
      });

    it('keeps the parent of a workflow and hands it back in its claim and its read', async () => {
      const abandon: ParentLink = { workflowId: 'p', parentClose: 'abandon' };
      expect(await insertChild('c1', PARENT)).toBe(true);
      expect(await insertChild('c2', abandon)).toBe(true);
      expect((await store.getWorkflow('c1'))?.parent).toEqual(PARENT);
      expect((await store.getWorkflow('c2'))?.parent).toEqual(abandon);
      const first = await claimNext(store, T0, lease(T0 + MINUTE));
      const second = await claimNext(store, T0, lease(T0 + MINUTE));
      const byId = new Map([first, second].map((c) => [c?.id, c?.parent]));
      expect(byId.get('c1')).toEqual(PARENT);
      expect(byId.get('c2')).toEqual(abandon);
    });

    it('keeps the parent of a workflow inserted already claimed, for its next claim', async () => {
      const held = lease(T0 + MINUTE);
      await store.insertWorkflow(
        { id: 'c', name: 'child', input: '"in"', now: T0, parent: PARENT },
        held,
      );
      await store.releaseLease('c', held.token, { readyAt: T0, now: T0 });
      const claimed = await claimNext(store, T0 + 1, lease(T0 + MINUTE));
      expect(claimed).toMatchObject({ id: 'c', parent: PARENT });
    });

    it('keeps a parent id of any characters as data', async () => {
      const odd: ParentLink = {
        workflowId: `p'"; DROP TABLE x; -- $where {} ü/\\`,
        parentClose: 'cancel',
      };
      await insertChild('c', odd);
      expect((await store.getWorkflow('c'))?.parent).toEqual(odd);
    });

    it('has no parent for a workflow inserted without one', async () => {
      await store.insertWorkflow({
        id: 'a',
        name: 'wf',
        input: '"in"',
        now: T0,
      });
      expect((await store.getWorkflow('a'))?.parent).toBeUndefined();
      const claimed = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(claimed?.id).toBe('a');
      expect(claimed?.parent).toBeUndefined();
    });

    it("wakes a parent waiting for a child with the child's end, stored once when sent again", async () => {
      await store.insertWorkflow({
        id: 'p',
        name: 'wf',
        input: '"in"',
        now: T0,
      });
      const held = await claimNext(store, T0, lease(T0 + MINUTE));
      expect(
        await store.releaseLease('p', held!.leaseToken, {
          now: T0 + 1,
          wait: { for: { kind: 'child', childId: 'p/c' }, signalsSeen: 0 },
        }),
      ).toBe(true);
      expect((await store.getWorkflow('p'))?.waitingFor).toEqual({
        kind: 'child',
        childId: 'p/c',
      });
      const end = {
        workflowId: 'p',
        name: 'lidex:child:p/c',
        signalId: 'lidex:child:p/c',
        payload: '{"status":"finished","result":1}',
      };
      expect(await store.sendSignal({ ...end, now: T0 + 2 })).toBe('delivered');
      // The child claimed again after a crash sends the same end again.
      expect(await store.sendSignal({ ...end, now: T0 + 3 })).toBe('duplicate');
      const woken = await store.getWorkflow('p');
      expect(woken?.waitingFor).toBeUndefined();
      expect(woken?.readyAt).toBe(T0 + 2);
      const claimed = await claimNext(store, T0 + 4, lease(T0 + MINUTE));
      expect(claimed?.signals).toMatchObject([
        { seq: 1, name: 'lidex:child:p/c', signalId: 'lidex:child:p/c' },
      ]);
    });
  });
}
