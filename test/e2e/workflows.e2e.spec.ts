import { LidexClosedError, LidexModule, type Persistence } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { mongoServers, mongoStoreFactory } from '../support/mongo';
import { mysqlStoreFactory, mysqlUrl } from '../support/mysql';
import { postgresStoreFactory, postgresUrl } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
  type StoreFactory,
} from '../support/store-factories';
import { bootNestApp } from '../support/nest-app';
import {
  GreetingModule,
  GreetingService,
  SlowModule,
  SlowWorkflows,
} from './fixtures/greeting.fixture';

const fast = { pollIntervalMs: 10, retryIntervalMs: 0 };

const boot = (persistence: Persistence, imports: unknown[], extra = {}) =>
  bootNestApp([
    LidexModule.forRoot({ persistence, ...fast, ...extra }),
    ...imports,
  ]);

const factories: StoreFactory[] = [memoryStoreFactory(), sqliteStoreFactory()];
for (const server of mongoServers) factories.push(mongoStoreFactory(server));
if (postgresUrl) factories.push(postgresStoreFactory());
if (mysqlUrl) factories.push(mysqlStoreFactory());

describe.each(factories)('Nest app on the $label store', (factory) => {
  afterAll(() => factory.cleanup());

  it('runs discovered workflows with their injected dependencies and stores the result', async () => {
    const { app, client } = await boot(await factory.create(), [
      GreetingModule,
    ]);
    expect(await client.start('g-1', 'greet', { name: 'Ada' })).toBe(true);
    expect(await client.start('g-1', 'greet', { name: 'Eve' })).toBe(false);
    expect(await client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
    const info = await client.get('g-1');
    expect(info).toMatchObject({
      status: 'finished',
      result: 'Hello, Ada!',
      input: { name: 'Ada' },
    });
    expect(info?.steps.map((s) => [s.kind, s.id])).toEqual([
      ['step', 'compose'],
      ['sleep', 'pause'],
    ]);
    expect(app.get(GreetingService).greeted).toEqual(['Ada']);
  });

  it('leaves workflows started by a client-only instance to a worker instance', async () => {
    const api = await boot(await factory.create(), [GreetingModule], {
      clientOnly: true,
    });
    await api.client.start('g-1', 'greet', { name: 'Linus' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await api.client.status('g-1')).toBe('idle');

    const worker = await boot(await factory.reopen(), [GreetingModule]);
    expect(await api.client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
    expect(worker.app.get(GreetingService).greeted).toEqual(['Linus']);
    expect(api.app.get(GreetingService).greeted).toEqual([]);
  });

  it('on close, hands a running workflow back at its next durable point for another instance', async () => {
    const first = await boot(await factory.create(), [SlowModule]);
    await first.client.start('s-1', 'slow', null);
    const slow = first.app.get(SlowWorkflows);
    await eventually(() => slow.journal.includes('first'));
    const closing = first.app.close();
    await eventually(() =>
      first.logger.has(messages.workerDraining(1, 10_000)),
    );
    slow.release();
    await closing;
    expect(slow.journal).toEqual(['first']);

    const next = await boot(await factory.reopen(), [SlowModule]);
    next.app.get(SlowWorkflows).release();
    expect(await next.client.wait('s-1', { timeoutMs: 5000 })).toBe('finished');
    expect(next.app.get(SlowWorkflows).journal).toEqual(['second']);
    expect((await next.client.get('s-1'))?.steps.map((s) => s.id)).toEqual([
      'first',
      'second',
    ]);
  });
  it('after app.close(), every client call that needs the store throws LidexClosedError', async () => {
    const { app, client } = await boot(await factory.create(), [
      GreetingModule,
    ]);
    await client.start('g-1', 'greet', { name: 'Ada' });
    expect(await client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
    await app.close();

    const calls: [string, () => Promise<unknown>][] = [
      ['start()', () => client.start('g-2', 'greet', { name: 'Eve' })],
      ['get()', () => client.get('g-1')],
      ['status()', () => client.status('g-1')],
      ['list()', () => client.list()],
      ['counts()', () => client.counts()],
      ['cancel()', () => client.cancel('g-1')],
      ['retry()', () => client.retry('g-1')],
      ['wait()', () => client.wait('g-1', ['finished'], 3, 10)],
    ];
    for (const [call, run] of calls) {
      await expect(run()).rejects.toThrow(new LidexClosedError(call));
    }
    expect(client.workflowNames).toEqual(['greet']);

    const reopened = await boot(await factory.reopen(), [GreetingModule]);
    expect(await reopened.client.status('g-2')).toBeUndefined();
    expect(reopened.app.get(GreetingService).greeted).toEqual([]);
  });
});
