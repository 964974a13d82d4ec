import type { Persistence } from '../../stores/persistence';
import type { StoreFactory } from '../store-factory';
import { testGlobals } from '../test-globals';
import { T0 } from './suite-kit';

/**
 * The list's filters by priority and by concurrency key (`WorkflowQuery.priority`,
 * `concurrencyKey`): only the workflows started with them, newest first and paged like any list,
 * together with the other filters. A workflow started without a priority has priority 0.
 */
export function listFiltersContract(factory: StoreFactory): void {
  const { describe, it, expect, beforeEach, afterEach, afterAll } =
    testGlobals();
  describe(`${factory.label} store list filters by priority and key`, () => {
    afterAll(() => factory.cleanup());
    let store: Persistence;

    beforeEach(async () => {
      store = await factory.create();
      // w0 oldest … w7 newest.
      const started: [string, number | undefined, string | undefined][] = [
        ['export', 5, 'acme'],
        ['export', undefined, 'acme'],
        ['export', 5, undefined],
        ['report', 5, 'acme'],
        ['export', -2, 'globex'],
        ['export', 0, 'acme'],
        ['export', 5, 'acme'],
        ['export', 5, 'acme-2'],
      ];
      for (const [i, [name, priority, concurrencyKey]] of started.entries())
        await store.insertWorkflow({
          id: `w${i}`,
          name,
          input: '1',
          now: T0 + i,
          ...(priority === undefined ? {} : { priority }),
          ...(concurrencyKey === undefined ? {} : { concurrencyKey }),
        });
    });

    afterEach(async () => {
      await store.close();
    });

    const ids = async (query: Parameters<Persistence['listWorkflows']>[0]) =>
      (await store.listWorkflows(query)).map((w) => w.id);

    it('lists only the workflows of one priority, 0 for those started without one', async () => {
      expect(await ids({ priority: 5, limit: 10 })).toEqual([
        'w7',
        'w6',
        'w3',
        'w2',
        'w0',
      ]);
      expect(await ids({ priority: 0, limit: 10 })).toEqual(['w5', 'w1']);
      expect(await ids({ priority: -2, limit: 10 })).toEqual(['w4']);
      expect(await ids({ priority: 7, limit: 10 })).toEqual([]);
    });

    it('lists only the workflows of one concurrency key, exactly that key', async () => {
      expect(await ids({ concurrencyKey: 'acme', limit: 10 })).toEqual([
        'w6',
        'w5',
        'w3',
        'w1',
        'w0',
      ]);
      expect(await ids({ concurrencyKey: 'acme-2', limit: 10 })).toEqual([
        'w7',
      ]);
      expect(await ids({ concurrencyKey: 'ACME', limit: 10 })).toEqual([]);
    });

    it('combines them with the other filters and pages through them', async () => {
      const query = {
        name: 'export',
        status: 'idle' as const,
        priority: 5,
        concurrencyKey: 'acme',
      };
      expect(await ids({ ...query, limit: 10 })).toEqual(['w6', 'w0']);
      const [first] = await store.listWorkflows({ ...query, limit: 1 });
      expect(first.id).toBe('w6');
      expect(
        await ids({
          ...query,
          limit: 10,
          after: { createdAt: first.createdAt, id: first.id },
        }),
      ).toEqual(['w0']);
    });
  });
}
