/**
 * `@lidex/nestjs/event-emitter`: `@StartWorkflowOn` and `@SignalWorkflowOn` for
 * `@nestjs/event-emitter` events. Its own entry point, so that only an app that imports it needs
 * `@nestjs/event-emitter`.
 */
import type { ModuleRef } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
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

/** An event name as `@OnEvent()` takes it. */
export type EventName = string | symbol | (string | symbol)[];

type Listener = (payload: unknown) => Promise<void>;

const emitterEvents: EventSource = {
  packageName: '@nestjs/event-emitter',
  moduleName: 'EventEmitterModule.forRoot()',
  find(moduleRef: ModuleRef) {
    let emitter: EventEmitter2;
    try {
      emitter = moduleRef.get(EventEmitter2, { strict: false });
    } catch {
      return undefined;
    }
    return {
      listen(event, listener: Listener) {
        // The listener's promise never rejects; returned, it lets `emitAsync()` wait for the
        // start or signal, while `emit()` ignores it.
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        const onEvent: (payload: unknown) => void = (payload) =>
          listener(payload);
        emitter.on(event as EventName, onEvent);
        return () => {
          emitter.off(event as EventName, onEvent);
        };
      },
    };
  },
};

function isName(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.length > 0) || typeof value === 'symbol'
  );
}

/** The event name, checked, and the decorator's name in messages. */
function eventName(decorator: string, event: unknown): string {
  if (isName(event) || (Array.isArray(event) && event.every(isName))) {
    const show = (name: string | symbol) =>
      typeof name === 'symbol' ? name.toString() : JSON.stringify(name);
    const shown = Array.isArray(event)
      ? `[${(event as (string | symbol)[]).map(show).join(', ')}]`
      : show(event as string | symbol);
    return `@${decorator}(${shown})`;
  }
  throw new InvalidArgumentError(
    messages.eventTriggerEventInvalid(
      `@${decorator}()`,
      event,
      'an event name (a non-empty string, a symbol, or an array of them)',
    ),
  );
}

/**
 * Starts a workflow each time `event` is emitted on the app's `EventEmitter2`, as `@OnEvent()`
 * names events:
 *
 * ```ts
 * @StartWorkflowOn('order.placed', { id: (e: OrderPlaced) => `order-${e.orderId}` })
 * @Workflow(CollectPayment)
 * async collectPayment(ctx: WorkflowContext, input: CollectPaymentInput) {…}
 * ```
 *
 * The id comes from the event's payload, so an event emitted again starts nothing. On a
 * `@Workflow()` method it starts that workflow; on a provider's class, name one with
 * `{ workflow }`. `emitAsync()` resolves once the workflow is stored. Failures are logged and
 * never reach the emitter. Needs `EventEmitterModule.forRoot()` in the app.
 */
export function StartWorkflowOn<E = unknown, I = unknown>(
  event: EventName,
  options: StartWorkflowOnOptions<E, I>,
): EventTriggerDecorator {
  const decorator = eventName('StartWorkflowOn', event);
  return eventTriggerDecorator(
    startTrigger(emitterEvents, event, decorator, options),
  );
}

/**
 * Sends signal `signal` to the workflow `workflowId(payload)` each time `event` is emitted,
 * under `signalId(payload)`: an event emitted again delivers nothing new.
 */
export function SignalWorkflowOn<E = unknown, P = unknown>(
  event: EventName,
  options: SignalWorkflowOnOptions<E, P>,
): EventTriggerDecorator {
  const decorator = eventName('SignalWorkflowOn', event);
  return eventTriggerDecorator(
    signalTrigger(emitterEvents, event, decorator, options),
  );
}
