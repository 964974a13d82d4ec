import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
import {
  InvalidArgumentError,
  LidexModule,
  type LidexClient,
  UnknownWorkflowError,
  Workflow,
  type WorkflowContext,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { SignalWorkflowOn, StartWorkflowOn } from '@lidex/nestjs/cqrs';
import { messages } from '../../lib/lidex.messages';
import { bootNestApp } from '../support/nest-app';
import { eventually } from '../support/eventually';
import { tempDir } from '../support/temp-dir';
import {
  CqrsOrdersModule,
  CqrsPaymentWorkflows,
  OrderCancelled,
  OrderPlacedAudit,
} from './fixtures/cqrs-orders.fixture';
import {
  CollectPayment,
  OrderPlaced,
  PaymentConfirmed,
} from './fixtures/orders.fixture';

const dir = tempDir('lidex-cqrs-');
let files = 0;
afterAll(() => dir.remove());

const lidex = () =>
  LidexModule.forRoot({
    persistence: new SqliteStore({
      path: join(dir.path, `cqrs-${++files}.db`),
    }),
    pollIntervalMs: 10,
    retryIntervalMs: 0,
  });

/** `publish()` returns before the start it causes is stored: look until it is. */
const startedBy = (client: LidexClient, id: string) =>
  eventually(
    async () => (await client.status(id)) !== undefined,
    10_000,
    `workflow ${id} to be started by the event`,
  );

const boot = (extra: unknown[] = []) =>
  bootNestApp([CqrsModule.forRoot(), lidex(), CqrsOrdersModule, ...extra]);

describe('@StartWorkflowOn and @SignalWorkflowOn with @nestjs/cqrs', () => {
  it('a CQRS event published twice starts one workflow', async () => {
    const { app, client, logger } = await boot();
    const bus = app.get(EventBus);
    bus.publish(new OrderPlaced('o-1', 42));
    bus.publish(new OrderPlaced('o-1', 42));

    await startedBy(client, 'order-o-1');
    expect(await client.result('order-o-1', CollectPayment)).toBe(
      'charged o-1',
    );
    // The second delivery's start found the workflow and changed nothing.
    await eventually(
      () =>
        logger.has(
          messages.eventTriggerAlreadyStarted(
            '@StartWorkflowOn(OrderPlaced)',
            'CqrsPaymentWorkflows.collect()',
            'order-o-1',
          ),
        ),
      10_000,
      'the second start to be a no-op',
    );
    const page = await client.list({ name: 'collect-payment' });
    expect(page.workflows.map((workflow) => workflow.id)).toEqual([
      'order-o-1',
    ]);
    expect(app.get(CqrsPaymentWorkflows).charged).toEqual(['o-1:42']);
    expect(await client.get('order-o-1', CollectPayment)).toMatchObject({
      input: { orderId: 'o-1', amount: 42 },
    });
    // The app's own handler of the event still sees both deliveries.
    expect(app.get(OrderPlacedAudit).seen).toEqual(['o-1', 'o-1']);
    expect(logger.messages('error')).toEqual([]);
  });

  it('a signal event published twice reaches the waiting workflow once', async () => {
    const { app, client, logger } = await boot();
    const bus = app.get(EventBus);
    bus.publish(new OrderPlaced('o-2', 7));
    await startedBy(client, 'payment-o-2');
    bus.publish(new PaymentConfirmed('o-2', 'pay-1'));
    bus.publish(new PaymentConfirmed('o-2', 'pay-1'));

    expect(await client.result('payment-o-2')).toEqual({
      orderId: 'o-2',
      payments: ['pay-1', null],
    });
    const info = await client.get('payment-o-2');
    expect(info?.signals.map((signal) => signal.signalId)).toEqual(['pay-1']);
    expect(logger.messages('error')).toEqual([]);
  });

  it('logs a bad workflow name or a throwing id, and the bus goes on', async () => {
    @StartWorkflowOn(OrderCancelled, {
      workflow: 'no-such-workflow',
      id: (event) => `refund-${event.orderId}`,
    })
    @StartWorkflowOn(OrderCancelled, {
      workflow: CollectPayment,
      id: () => {
        throw new Error('the event carries no order id');
      },
      input: () => ({ orderId: 'x', amount: 0 }),
    })
    @Injectable()
    class BadWiring {}
    @Module({ providers: [BadWiring] })
    class BadWiringModule {}

    const { app, client, logger } = await boot([BadWiringModule]);
    const bus = app.get(EventBus);
    bus.publish(new OrderCancelled('o-3'));
    const unknown = new UnknownWorkflowError(
      'no-such-workflow',
      client.workflowNames,
    ).message;
    const expected = [
      messages.eventTriggerFailed(
        '@StartWorkflowOn(OrderCancelled)',
        'BadWiring',
        'the event carries no order id',
      ),
      messages.eventTriggerFailed(
        '@StartWorkflowOn(OrderCancelled)',
        'BadWiring',
        unknown,
      ),
    ];
    await eventually(
      () => logger.messages('error').length >= 2,
      10_000,
      'both failures to be logged',
    );
    expect(logger.messages('error').sort()).toEqual(expected.sort());

    // The bus still delivers, to Lidex and to the app's handlers alike.
    bus.publish(new OrderPlaced('o-4', 1));
    await startedBy(client, 'order-o-4');
    expect(await client.result('order-o-4', CollectPayment)).toBe(
      'charged o-4',
    );
    expect(app.get(OrderPlacedAudit).seen).toEqual(['o-4']);
  });

  it('fails at boot when the app has no CqrsModule', async () => {
    await expect(bootNestApp([lidex(), CqrsOrdersModule])).rejects.toThrow(
      messages.eventBusMissing(
        '@StartWorkflowOn(OrderPlaced)',
        'CqrsPaymentWorkflows.collect()',
        '@nestjs/cqrs',
        'CqrsModule.forRoot()',
      ),
    );
  });

  it('fails at boot when a method decorator names no workflow and is not on one', async () => {
    @Injectable()
    class Misplaced {
      @StartWorkflowOn(OrderPlaced, { id: (event) => event.orderId })
      onOrder(): void {}
    }
    @Module({ providers: [Misplaced] })
    class MisplacedModule {}

    await expect(boot([MisplacedModule])).rejects.toThrow(
      messages.eventTriggerNeedsWorkflow(
        '@StartWorkflowOn(OrderPlaced)',
        'Misplaced.onOrder()',
      ),
    );
  });

  it('rejects bad decorator options as the class loads', () => {
    const start = StartWorkflowOn as (event: unknown, options: unknown) => void;
    const signal = SignalWorkflowOn as (
      event: unknown,
      options: unknown,
    ) => void;
    expect(() => start('OrderPlaced', { id: () => 'x' })).toThrow(
      new InvalidArgumentError(
        messages.eventTriggerEventInvalid(
          '@StartWorkflowOn()',
          'OrderPlaced',
          'an event class (such as OrderPlaced)',
        ),
      ),
    );
    expect(() => start(OrderPlaced, { id: 'order-1' })).toThrow(
      messages.eventTriggerOptionInvalid(
        '@StartWorkflowOn(OrderPlaced)',
        'id',
        'order-1',
        'a function of the event returning the workflow id',
      ),
    );
    expect(() =>
      signal(PaymentConfirmed, {
        workflowId: (event: PaymentConfirmed) => event.orderId,
        signal: 'paid',
      }),
    ).toThrow(
      messages.eventTriggerOptionInvalid(
        '@SignalWorkflowOn(PaymentConfirmed)',
        'signalId',
        undefined,
        'a function of the event returning the signal id',
      ),
    );
    // On a class, nothing says which workflow to start.
    const onClass = StartWorkflowOn(OrderPlaced, { id: (e) => e.orderId });
    expect(() => onClass(class Wiring {})).toThrow(
      messages.eventTriggerNeedsWorkflow(
        '@StartWorkflowOn(OrderPlaced)',
        'Wiring',
      ),
    );
  });

  it('types the event in the option functions and the input by a reference', () => {
    @Injectable()
    class Typed {
      @StartWorkflowOn(OrderPlaced, {
        id: (event) => event.orderId,
        input: (event) => ({ orderId: event.orderId, amount: event.amount }),
      })
      @Workflow(CollectPayment)
      collect(_ctx: WorkflowContext, input: { orderId: string }) {
        return Promise.resolve(input.orderId);
      }
    }
    expect(Typed).toBeDefined();
  });
});
