import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { MINUTE, T0, lease } from './suite-kit';

/**
 * Versions (`@Workflow(name, { version })`): a workflow keeps the version it started with, and a
 * worker never claims a workflow of a version newer than the one it runs of that name.
 */
export function versionsContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach } = testGlobals();
  describe('versions', () => {
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
    });

    afterEach(async () => {
      await store.close();
    });

    const insert = (id: string, name: string, version?: number, now = T0) =>
      store.insertWorkflow({ id, name, input: '1', now, version });

    it('keeps the version a workflow started with (1 when none is given), in get, list and claims', async () => {
      await insert('old', 'wf', undefined, T0);
      await insert('new', 'wf', 3, T0 + 1);
      expect((await store.getWorkflow('old'))?.version).toBe(1);
      expect((await store.getWorkflow('new'))?.version).toBe(3);
      const listed = await store.listWorkflows({ limit: 10 });
      expect(listed.map((w) => [w.id, w.version])).toEqual([
        ['new', 3],
        ['old', 1],
      ]);
      const claimed = await store.claimReady(T0 + 10, [
        lease(T0 + MINUTE),
        lease(T0 + MINUTE),
      ]);
      expect(claimed.map((w) => [w.id, w.version])).toEqual([
        ['old', 1],
        ['new', 3],
      ]);
    });

    it('keeps the version of a workflow inserted already claimed', async () => {
      await store.insertWorkflow(
        { id: 'a', name: 'wf', input: '1', now: T0, version: 2 },
        lease(T0 + MINUTE),
      );
      expect((await store.getWorkflow('a'))?.version).toBe(2);
    });

    it('claims no workflow of a listed name with a version above the listed one, and leaves it ready', async () => {
      await insert('too-new', 'wf', 2, T0);
      await insert('same', 'wf', 1, T0 + 1);
      await insert('other-name', 'other', 9, T0 + 2);
      const versions = new Map([['wf', 1]]);
      const claimed = await store.claimReady(
        T0 + 10,
        [lease(T0 + MINUTE), lease(T0 + MINUTE), lease(T0 + MINUTE)],
        undefined,
        { versions },
      );
      // Names the worker does not list are claimed as before (and handed back unhandled).
      expect(claimed.map((w) => w.id)).toEqual(['same', 'other-name']);
      expect(await store.getWorkflow('too-new')).toMatchObject({
        status: 'idle',
        readyAt: T0,
        attempts: 0,
      });
      const newer = await store.claimReady(
        T0 + 20,
        [lease(T0 + MINUTE)],
        undefined,
        { versions: new Map([['wf', 2]]) },
      );
      expect(newer.map((w) => [w.id, w.version])).toEqual([['too-new', 2]]);
    });

    it('takes over no lapsed lease of a workflow of a newer version (stores with listLeases)', async () => {
      if (!store.listLeases) return;
      await store.insertWorkflow(
        { id: 'leased', name: 'wf', input: '1', now: T0, version: 2 },
        lease(T0 + 10),
      );
      await insert('unleased', 'wf', 2, T0 + 1);
      const seen = await store.listLeases(T0 + 100, 10);
      expect(seen.map((s) => s.workflowId)).toEqual(['leased']);
      const claim = (runs: number) =>
        store.claimReady(
          T0 + 100,
          [lease(T0 + MINUTE), lease(T0 + MINUTE)],
          seen,
          { versions: new Map([['wf', runs]]) },
        );
      expect(await claim(1)).toEqual([]);
      expect((await claim(2)).map((w) => w.id)).toEqual(['leased', 'unleased']);
    });

    it('lists the workflows of one version', async () => {
      await insert('a', 'wf', 1, T0);
      await insert('b', 'wf', 2, T0 + 1);
      await insert('c', 'other', 2, T0 + 2);
      const second = await store.listWorkflows({ version: 2, limit: 10 });
      expect(second.map((w) => w.id)).toEqual(['c', 'b']);
      const ofName = await store.listWorkflows({
        version: 1,
        name: 'wf',
        limit: 10,
      });
      expect(ofName.map((w) => w.id)).toEqual(['a']);
    });
  });
}
