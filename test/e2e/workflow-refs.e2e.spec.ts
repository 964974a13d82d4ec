import {
  defineWorkflow,
  InvalidArgumentError,
  LidexModule,
  MemoryStore,
  UnknownWorkflowError,
  Workflow,
  type Persistence,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { mongoStoreFactory, mongoUrl } from '../support/mongo';
import {
  sqliteStoreFactory,
  type StoreFactory,
} from '../support/store-factories';
import { bootNestApp } from '../support/nest-app';
import {
  Greet,
  type GreetingResult,
  Thank,
  TypedGreetingModule,
  TypedGreetingWorkflows,
} from './fixtures/typed-greeting.fixture';

const fast = { pollIntervalMs: 10, retryIntervalMs: 0 };
const patient = { timeoutMs: 15_000 };

const boot = (persistence: Persistence, imports: unknown[], extra = {}) =>
  bootNestApp([
    LidexModule.forRoot({ persistence, ...fast, ...extra }),
    ...imports,
  ]);

// Two apps over one store: a file both open, or one MongoDB database.
const factories: StoreFactory[] = [sqliteStoreFactory()];
if (mongoUrl) factories.push(mongoStoreFactory());

describe.each(factories)(
  'A clientOnly app and a worker app on one $label store',
  (factory) => {
    afterAll(() => factory.cleanup());

    it('the clientOnly app, without the providers, starts workflows the worker app runs, and reads typed results', async () => {
      const api = await boot(await factory.create(), [], { clientOnly: true });
      expect(api.client.workflowNames).toEqual([]);
      expect(await api.client.start('g-1', Greet, { name: 'Ada' })).toBe(true);
      expect(await api.client.start('g-1', Greet, { name: 'Eve' })).toBe(false);
      expect(
        await api.client.start('g-2', 'typed-greet', { name: 'Grace' }),
      ).toBe(true);
      expect(await api.client.status('g-1')).toBe('idle');

      const worker = await boot(await factory.reopen(), [TypedGreetingModule]);
      const info = await api.client.wait('g-1', Greet, patient);
      expect(info?.status).toBe('finished');
      // Typed by the reference: no cast between the store and this line.
      const result: GreetingResult | undefined = info?.result;
      const input: { name: string } | undefined = info?.input;
      expect(result).toEqual({ greeting: 'Hello, Ada!', thanked: true });
      expect(input).toEqual({ name: 'Ada' });

      // result(): the output itself, typed by the reference, from the other app's end.
      const output: GreetingResult = await api.client.result(
        'g-2',
        Greet,
        patient,
      );
      expect(output.greeting).toBe('Hello, Grace!');
      expect(await api.client.wait('g-2', patient)).toBe('finished');
      expect((await api.client.get('g-2', Greet))?.result?.greeting).toBe(
        'Hello, Grace!',
      );
      // The child each one started by reference (ctx.start), run by the worker app too.
      const thanks = await api.client.wait('thank-g-1', Thank, patient);
      expect(thanks?.result).toBe('Thanks, Ada');
      expect(await api.client.wait('thank-g-2', patient)).toBe('finished');
      expect(worker.app.get(TypedGreetingWorkflows).thanked.sort()).toEqual([
        'Ada',
        'Grace',
      ]);
    });

    it('the clientOnly app checks only the name form; a worker app refuses names it does not run', async () => {
      const api = await boot(await factory.create(), [], { clientOnly: true });
      await expect(api.client.start('b-1', '  ', null)).rejects.toThrow(
        new InvalidArgumentError(messages.blankId('A workflow name', '  ')),
      );
      // A name a newer instance may carry: stored, left idle for whichever instance knows it.
      const NotYetDeployed = defineWorkflow<number, number>('not-deployed-yet');
      expect(await api.client.start('n-1', NotYetDeployed, 1)).toBe(true);
      expect(await api.client.status('n-1')).toBe('idle');

      // It has no handler for 'not-deployed-yet': it hands it back for a minute at a time.
      const worker = await boot(await factory.reopen(), [TypedGreetingModule], {
        retryIntervalMs: 60_000,
      });
      await expect(
        worker.client.start('n-2', NotYetDeployed, 2),
      ).rejects.toThrow(
        new UnknownWorkflowError('not-deployed-yet', [
          'typed-greet',
          'typed-thank',
        ]),
      );
      expect(await worker.client.status('n-2')).toBeUndefined();
    });

    it('get() and wait() with the reference of another workflow refuse, naming both', async () => {
      const api = await boot(await factory.create(), [], { clientOnly: true });
      await api.client.start('g-1', Greet, { name: 'Ada' });
      const mismatch = (call: string) =>
        new InvalidArgumentError(
          messages.workflowRefMismatch(
            call,
            'g-1',
            'typed-greet',
            'typed-thank',
          ),
        );
      await expect(api.client.get('g-1', Thank)).rejects.toThrow(
        mismatch('get()'),
      );
      await expect(api.client.wait('g-1', Thank, patient)).rejects.toThrow(
        mismatch('wait()'),
      );
      expect(await api.client.get('nobody', Thank)).toBeUndefined();
    });
  },
);

describe('@Workflow() with a reference', () => {
  it('registers the method under the reference name', async () => {
    const { app, client } = await boot(new MemoryStore(), [
      TypedGreetingModule,
    ]);
    try {
      expect(client.workflowNames.sort()).toEqual([
        'typed-greet',
        'typed-thank',
      ]);
    } finally {
      await app.close();
    }
  });

  it('refuses, from JavaScript, an object that is not a reference, naming the decorator', () => {
    expect(() => Workflow({ title: 'x' } as never)).toThrow(
      new InvalidArgumentError(
        messages.invalidWorkflowRef('@Workflow()', { title: 'x' }),
      ),
    );
  });
});
