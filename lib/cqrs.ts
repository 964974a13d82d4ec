/**
 * `@lidex/nestjs/cqrs`: `@StartWorkflowOn` and `@SignalWorkflowOn` for `@nestjs/cqrs` events.
 * Its own entry point, so that only an app that imports it needs `@nestjs/cqrs`.
 */
import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { EventBus, ofType, type IEvent } from '@nestjs/cqrs';
import { InvalidArgumentError } from './errors/invalid-argument.error';
import { messages } from './lidex.messages';
import type {
  EventSource,
  SignalWorkflowOnOptions,
  StartWorkflowOnOptions,
} from './nest-events/event-trigger';
import {
  eventTriggerDecorator,
  signalTrigger,
  startTrigger,
  type EventTriggerDecorator,
} from './nest-events/event-trigger.decorator';

export type {
  SignalWorkflowOnOptions,
  StartWorkflowOnOptions,
} from './nest-events/event-trigger';
export type { EventTriggerDecorator } from './nest-events/event-trigger.decorator';

const cqrsEvents: EventSource = {
  packageName: '@nestjs/cqrs',
  moduleName: 'CqrsModule.forRoot()',
  find(moduleRef: ModuleRef) {
    let bus: EventBus;
    try {
      bus = moduleRef.get(EventBus, { strict: false });
    } catch {
      return undefined;
    }
    return {
      listen(event, listener) {
        const subscription = bus
          .pipe(ofType(event as Type<IEvent>))
          .subscribe((published) => void listener(published));
        return () => subscription.unsubscribe();
      },
    };
  },
};

/** The event class, checked, and the decorator's name in messages. */
function eventClass(decorator: string, event: unknown): string {
  if (typeof event === 'function' && event.prototype) {
    return `@${decorator}(${event.name || 'AnonymousEvent'})`;
  }
  throw new InvalidArgumentError(
    messages.eventTriggerEventInvalid(
      `@${decorator}()`,
      event,
      'an event class (such as OrderPlaced)',
    ),
  );
}

/**
 * Starts a workflow each time the CQRS event `event` is published on the app's `EventBus`:
 *
 * ```ts
 * @StartWorkflowOn(OrderPlaced, { id: (e) => `order-${e.orderId}`, input: (e) => e.orderId })
 * @Workflow(CollectPayment)
 * async collectPayment(ctx: WorkflowContext, orderId: string) {…}
 * ```
 *
 * The id comes from the event, so an event published again starts nothing (the start is a
 * no-op, logged at debug level). On a `@Workflow()` method it starts that workflow; on a
 * provider's class, name one with `{ workflow }`. Failures (an unknown workflow, an `id` that
 * throws) are logged and never reach the bus. Needs `CqrsModule.forRoot()` in the app.
 */
export function StartWorkflowOn<E extends object, I = unknown>(
  event: Type<E>,
  options: StartWorkflowOnOptions<E, I>,
): EventTriggerDecorator {
  const decorator = eventClass('StartWorkflowOn', event);
  return eventTriggerDecorator(
    startTrigger(cqrsEvents, event, decorator, options),
  );
}

/**
 * Sends signal `signal` to the workflow `workflowId(event)` each time the CQRS event `event` is
 * published, with `payload(event)`, under `signalId(event)`: an event published again delivers
 * nothing new. On a provider's class or any of its methods (the workflow it waits in, say).
 */
export function SignalWorkflowOn<E extends object, P = unknown>(
  event: Type<E>,
  options: SignalWorkflowOnOptions<E, P>,
): EventTriggerDecorator {
  const decorator = eventClass('SignalWorkflowOn', event);
  return eventTriggerDecorator(
    signalTrigger(cqrsEvents, event, decorator, options),
  );
}
