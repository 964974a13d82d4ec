import { Module, type INestApplication } from '@nestjs/common';
import {
  ENGINE_DEFAULTS,
  InvalidArgumentError,
  InvalidOptionsError,
  LidexModule,
  MemoryStore,
  UnknownOptionError,
  Workflow,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { messages } from '../../lib/lidex.messages';
import { bootNestApp } from '../support/nest-app';
import { GreetingModule } from './fixtures/greeting.fixture';

/** The options useFactory may return, in the order the messages list them. */
const MODULE_OPTIONS = [
  'persistence',
  'clientOnly',
  'clock',
  ...Object.keys(ENGINE_DEFAULTS),
];
const FOR_ROOT_OPTIONS = [...MODULE_OPTIONS, 'isGlobal', 'dashboard'];
const FOR_ROOT_ASYNC_OPTIONS = [
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'provideInjectionTokensFrom',
  'isGlobal',
  'dashboard',
];
const FACTORY = "The options forRootAsync's useFactory returned";

describe('LidexModule refuses misuse with an error naming the fix', () => {
  /** Boots an app; the app is closed after the test even when its bootstrap fails. */
  const boot = async (imports: unknown[]): Promise<INestApplication> =>
    (await bootNestApp(imports)).app;

  const memory = () => ({ persistence: new MemoryStore() });
  const fromFactory = (options: unknown) =>
    LidexModule.forRootAsync({ useFactory: () => options as never });

  describe('option keys', () => {
    it('forRoot: an unknown key, with the closest known one', () => {
      expect(() =>
        LidexModule.forRoot({ ...memory(), concurency: 5 } as never),
      ).toThrow(
        new UnknownOptionError(
          'concurency',
          messages.unknownOption(
            'LidexModule.forRoot()',
            'concurency',
            FOR_ROOT_OPTIONS,
            messages.didYouMean('concurrency'),
          ),
        ),
      );
    });

    it('forRoot: "handlers" and "store" say where workflows and the store go', () => {
      const handlers = () =>
        LidexModule.forRoot({ ...memory(), handlers: {} } as never);
      expect(handlers).toThrow(InvalidOptionsError);
      expect(handlers).toThrow(messages.handlersNotAModuleOption());
      expect(() =>
        LidexModule.forRoot({ store: new MemoryStore() } as never),
      ).toThrow(messages.didYouMean('persistence'));
    });

    it('useFactory: an unknown key in the options it returns', async () => {
      await expect(
        boot([
          fromFactory({ ...memory(), pollIntervalMS: 10 }),
          GreetingModule,
        ]),
      ).rejects.toThrow(
        messages.unknownOption(
          FACTORY,
          'pollIntervalMS',
          MODULE_OPTIONS,
          messages.didYouMean('pollIntervalMs'),
        ),
      );
    });

    it('useFactory: a dashboard it returns belongs beside it', async () => {
      const booting = boot([
        fromFactory({ ...memory(), dashboard: true }),
        GreetingModule,
      ]);
      await expect(booting).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(
        boot([fromFactory({ ...memory(), isGlobal: false }), GreetingModule]),
      ).rejects.toThrow(messages.optionReturnedByFactory('isGlobal'));
      await expect(
        boot([fromFactory({ ...memory(), dashboard: true }), GreetingModule]),
      ).rejects.toThrow(messages.optionReturnedByFactory('dashboard'));
    });

    it('forRootAsync: an option beside useFactory belongs in what it returns', () => {
      expect(() =>
        LidexModule.forRootAsync({
          useFactory: memory,
          concurrency: 5,
        } as never),
      ).toThrow(messages.optionBesideFactory('concurrency'));
      expect(() =>
        LidexModule.forRootAsync({ useFactory: memory, injects: [] } as never),
      ).toThrow(
        messages.unknownOption(
          'LidexModule.forRootAsync()',
          'injects',
          FOR_ROOT_ASYNC_OPTIONS,
          messages.didYouMean('inject'),
        ),
      );
    });

    it('forRootAsync: without useFactory, useClass or useExisting', () => {
      expect(() => LidexModule.forRootAsync({ imports: [] })).toThrow(
        new InvalidOptionsError(
          'useFactory',
          undefined,
          'a function returning the options (or give useClass or useExisting)',
        ),
      );
    });
  });

  describe('option values', () => {
    it('isGlobal and clientOnly must be booleans', async () => {
      expect(() =>
        LidexModule.forRoot({ ...memory(), isGlobal: 'no' as never }),
      ).toThrow(new InvalidOptionsError('isGlobal', 'no', 'true or false'));
      await expect(
        boot([
          LidexModule.forRoot({ ...memory(), clientOnly: 1 as never }),
          GreetingModule,
        ]),
      ).rejects.toThrow(
        new InvalidOptionsError('clientOnly', 1, 'true or false'),
      );
    });

    it('persistence: {} lists the Persistence methods it lacks', async () => {
      const booting = boot([
        LidexModule.forRoot({ persistence: {} as never }),
        GreetingModule,
      ]);
      await expect(booting).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(
        boot([
          LidexModule.forRoot({ persistence: { init() {} } as never }),
          GreetingModule,
        ]),
      ).rejects.toThrow(
        /^Lidex option "persistence" must be a store: .* \(missing: close\(\), describe\(\), insertWorkflow\(\),/,
      );
    });

    it('useFactory returning no options object', async () => {
      await expect(
        boot([fromFactory(undefined), GreetingModule]),
      ).rejects.toThrow(
        new InvalidOptionsError(
          'useFactory',
          undefined,
          'a function returning an options object',
        ),
      );
    });

    it('a malformed MongoDB URL names the option, not the driver', async () => {
      const url = 'mongodb://app:s3cret@db.example:notaport/orders';
      const booting = boot([
        LidexModule.forRoot({ persistence: new MongoStore({ url }) }),
        GreetingModule,
      ]);
      await expect(booting).rejects.toBeInstanceOf(InvalidOptionsError);
      const error = await boot([
        LidexModule.forRoot({ persistence: new MongoStore({ url }) }),
        GreetingModule,
      ]).catch((caught: unknown) => caught as Error);
      expect((error as Error).message).toMatch(
        /^Lidex option "MongoStore url" must be a MongoDB connection string/,
      );
      expect((error as Error).message).not.toContain('s3cret');
    });
  });

  describe('the module imported twice', () => {
    it('fails the bootstrap, saying to import it once', async () => {
      @Module({ imports: [LidexModule.forRoot(memory())] })
      class OrdersModule {}
      @Module({ imports: [LidexModule.forRoot(memory())] })
      class InvoicesModule {}
      await expect(
        boot([OrdersModule, InvoicesModule, GreetingModule]),
      ).rejects.toThrow(messages.moduleImportedTwice(2));
    });

    it('the same forRoot() object imported by two modules is one module: fine', async () => {
      const lidex = LidexModule.forRoot(memory());
      @Module({ imports: [lidex] })
      class OrdersModule {}
      @Module({ imports: [lidex] })
      class InvoicesModule {}
      await expect(
        boot([OrdersModule, InvoicesModule, GreetingModule]),
      ).resolves.toBeDefined();
    });
  });

  describe('@Workflow', () => {
    it.each(['   ', '\t\n'])('refuses the blank name %p', (name) => {
      expect(() => Workflow(name)).toThrow(InvalidArgumentError);
      expect(() => Workflow(name)).toThrow(messages.blankWorkflowName(name));
    });

    it('refuses a static method, naming the class and method', () => {
      const decorate = () => {
        class Billing {
          @Workflow('bill')
          static bill(ctx: WorkflowContext): Promise<void> {
            return ctx.sleep('pause', 1);
          }
        }
        return Billing;
      };
      expect(decorate).toThrow(InvalidArgumentError);
      expect(decorate).toThrow(
        messages.staticWorkflow('bill', 'Billing.bill()'),
      );
    });
  });
});
