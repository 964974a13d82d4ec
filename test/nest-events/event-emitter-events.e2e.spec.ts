import { Injectable, Module } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { InvalidArgumentError, LidexModule, MemoryStore } from '@lidex/nestjs';
import { SignalWorkflowOn, StartWorkflowOn } from '@lidex/nestjs/event-emitter';
import { messages } from '../../lib/lidex.messages';
import { bootNestApp } from '../support/nest-app';
import {
  EmitterOrdersModule,
  EmitterPaymentWorkflows,
} from './fixtures/emitter-orders.fixture';
import {
  CollectPayment,
  OrderPlaced,
  PaymentConfirmed,
} from './fixtures/orders.fixture';

const lidex = () =>
  LidexModule.forRoot({
    persistence: new MemoryStore(),
    pollIntervalMs: 10,
    retryIntervalMs: 0,
  });

const boot = (extra: unknown[] = []) =>
  bootNestApp([
    EventEmitterModule.forRoot(),
    lidex(),
    EmitterOrdersModule,
    ...extra,
  ]);

describe('@StartWorkflowOn and @SignalWorkflowOn with @nestjs/event-emitter', () => {
  it('an event emitted twice starts one workflow', async () => {
    const { app, client, logger } = await boot();
    const emitter = app.get(EventEmitter2);
    // emitAsync resolves once every listener has: both starts are done.
    await emitter.emitAsync('order.placed', new OrderPlaced('o-1', 42));
    await emitter.emitAsync('order.placed', new OrderPlaced('o-1', 42));

    expect(
      logger.has(
        messages.eventTriggerAlreadyStarted(
          '@StartWorkflowOn("order.placed")',
          'EmitterPaymentWorkflows.collect()',
          'order-o-1',
        ),
      ),
    ).toBe(true);
    expect(await client.result('order-o-1', CollectPayment)).toBe(
      'charged o-1',
    );
    const page = await client.list({ name: 'collect-payment' });
    expect(page.workflows.map((workflow) => workflow.id)).toEqual([
      'order-o-1',
    ]);
    expect(app.get(EmitterPaymentWorkflows).charged).toEqual(['o-1:42']);
    expect(logger.messages('error')).toEqual([]);
  });

  it('a signal emitted twice reaches the waiting workflow once', async () => {
    const { app, client, logger } = await boot();
    const emitter = app.get(EventEmitter2);
    // Started by the class decorator of PaymentWiring.
    await emitter.emitAsync('order.placed', new OrderPlaced('o-2', 7));
    emitter.emit('payment.confirmed', new PaymentConfirmed('o-2', 'pay-1'));
    await emitter.emitAsync(
      'payment.confirmed',
      new PaymentConfirmed('o-2', 'pay-1'),
    );

    expect(await client.result('payment-o-2')).toEqual({
      orderId: 'o-2',
      payments: ['pay-1', null],
    });
    const info = await client.get('payment-o-2');
    expect(info?.signals.map((signal) => signal.signalId)).toEqual(['pay-1']);
    expect(logger.messages('error')).toEqual([]);
  });

  it('logs an id that is not a string, and emit() does not throw', async () => {
    @StartWorkflowOn('order.refunded', {
      workflow: CollectPayment,
      id: (event: { orderId?: string }) => event.orderId as string,
      input: () => ({ orderId: 'x', amount: 0 }),
    })
    @Injectable()
    class RefundWiring {}
    @Module({ providers: [RefundWiring] })
    class RefundModule {}

    const { app, logger } = await boot([RefundModule]);
    const emitter = app.get(EventEmitter2);
    expect(() => emitter.emit('order.refunded', {})).not.toThrow();
    await emitter.emitAsync('order.refunded', {});
    const failures = logger.messages('error');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toBe(
      messages.eventTriggerFailed(
        '@StartWorkflowOn("order.refunded")',
        'RefundWiring',
        messages.invalidId('A workflow id', undefined),
      ),
    );
  });

  it('fails at boot when the app has no EventEmitterModule', async () => {
    await expect(bootNestApp([lidex(), EmitterOrdersModule])).rejects.toThrow(
      messages.eventBusMissing(
        '@StartWorkflowOn("order.placed")',
        'EmitterPaymentWorkflows.collect()',
        '@nestjs/event-emitter',
        'EventEmitterModule.forRoot()',
      ),
    );
  });

  it('rejects an event name that is not one as the class loads', () => {
    const start = StartWorkflowOn as (event: unknown, options: unknown) => void;
    expect(() => start('', { id: () => 'x' })).toThrow(
      new InvalidArgumentError(
        messages.eventTriggerEventInvalid(
          '@StartWorkflowOn()',
          '',
          'an event name (a non-empty string, a symbol, or an array of them)',
        ),
      ),
    );
    expect(() =>
      SignalWorkflowOn('payment.confirmed', {
        workflowId: () => 'w',
        signal: '',
        signalId: () => 's',
      }),
    ).toThrow(
      messages.eventTriggerOptionInvalid(
        '@SignalWorkflowOn("payment.confirmed")',
        'signal',
        '',
        'the signal name, a non-empty string',
      ),
    );
  });
});
