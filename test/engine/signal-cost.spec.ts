import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { countingStore } from '../../bench/counting-store';
import { eventually } from '../support/eventually';
import { mongoServers, mongoStoreFactory } from '../support/mongo';
import { postgresStoreFactory, postgresUrl } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
  type StoreFactory,
} from '../support/store-factories';

const factories: StoreFactory[] = [
  memoryStoreFactory(),
  sqliteStoreFactory(),
  ...mongoServers.map((server) => mongoStoreFactory(server)),
  ...(postgresUrl ? [postgresStoreFactory()] : []),
];
afterAll(() => Promise.all(factories.map((factory) => factory.cleanup())));

const handlers = {
  approval: (ctx: WorkflowContext) => ctx.waitForSignal('wait', 'approved'),
};

describe.each(factories.map((factory) => [factory.label, factory] as const))(
  'a signal sent on %s',
  (_label, factory) => {
    it('costs one store write: sendSignal, and nothing else', async () => {
      const store = await factory.create();
      const worker = new LidexEngine({ store, handlers, pollIntervalMs: 20 });
      worker.startWorker();
      try {
        const ids = ['w-1', 'w-2', 'w-3'];
        for (const id of ids) await worker.start(id, 'approval', null);
        for (const id of ids)
          await eventually(
            async () => (await worker.get(id))?.waitingFor !== undefined,
            10_000,
            `${id} to wait`,
          );
        await worker.start('w-early', 'approval', null);

        const counted = countingStore(store);
        const sender = new LidexEngine({ store: counted.store, handlers });
        for (const id of ids)
          expect(await sender.signal(id, 'approved', { id })).toBe(true);
        // Before the wait is reached, and once more under the same id: one write each too.
        await sender.signal('w-early', 'approved', 1, { signalId: 'once' });
        await sender.signal('w-early', 'approved', 1, { signalId: 'once' });
        expect(counted.counts).toEqual({ sendSignal: ids.length + 2 });

        for (const id of ids)
          expect(await worker.wait(id, { timeoutMs: 10_000 })).toBe('finished');
        expect((await worker.get('w-1'))?.result).toEqual({ id: 'w-1' });
      } finally {
        await worker.stopWorker();
        await store.close();
      }
    }, 30_000);
  },
);
