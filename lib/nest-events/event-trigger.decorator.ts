import { workflowNameOf } from '../engine/workflow-ref';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { LIDEX_EVENT_TRIGGERS_METADATA } from '../lidex.constants';
import { messages } from '../lidex.messages';
import type {
  EventSource,
  EventTrigger,
  SignalTrigger,
  SignalWorkflowOnOptions,
  StartTrigger,
  StartWorkflowOnOptions,
} from './event-trigger';

/** `@StartWorkflowOn` and `@SignalWorkflowOn` go on a provider's class or on its methods. */
export type EventTriggerDecorator = ClassDecorator & MethodDecorator;

type AnyFunction = (event: unknown) => unknown;

/** The option `name` of `options`, a function (or absent, when `optional`). */
function functionOption(
  decorator: string,
  options: object,
  name: string,
  expected: string,
  optional = false,
): AnyFunction | undefined {
  const value = (options as Record<string, unknown>)[name];
  if (typeof value === 'function') return value as AnyFunction;
  if (optional && value === undefined) return undefined;
  throw new InvalidArgumentError(
    messages.eventTriggerOptionInvalid(decorator, name, value, expected),
  );
}

function requireOptions(decorator: string, options: unknown): object {
  if (typeof options === 'object' && options !== null) return options;
  throw new InvalidArgumentError(
    messages.eventTriggerOptionInvalid(
      decorator,
      'options',
      options,
      'an object',
    ),
  );
}

/** The trigger `@StartWorkflowOn(event, options)` records, its options checked. */
export function startTrigger<E, I>(
  source: EventSource,
  event: unknown,
  decorator: string,
  options: StartWorkflowOnOptions<E, I>,
): StartTrigger {
  const checked = requireOptions(decorator, options);
  const workflow = (checked as StartWorkflowOnOptions<E, I>).workflow;
  const name =
    workflow === undefined ? undefined : workflowNameOf(workflow, decorator);
  if (name !== undefined && name.trim().length === 0) {
    throw new InvalidArgumentError(
      messages.eventTriggerOptionInvalid(
        decorator,
        'workflow',
        name,
        'a workflow name or a reference made by defineWorkflow()',
      ),
    );
  }
  return {
    kind: 'start',
    source,
    event,
    decorator,
    workflow: name,
    id: functionOption(
      decorator,
      checked,
      'id',
      'a function of the event returning the workflow id',
    )!,
    input: functionOption(
      decorator,
      checked,
      'input',
      'a function of the event returning the workflow input',
      true,
    ),
  };
}

/** The trigger `@SignalWorkflowOn(event, options)` records, its options checked. */
export function signalTrigger<E, P>(
  source: EventSource,
  event: unknown,
  decorator: string,
  options: SignalWorkflowOnOptions<E, P>,
): SignalTrigger {
  const checked = requireOptions(decorator, options);
  const signal = (checked as { signal?: unknown }).signal;
  if (typeof signal !== 'string' || signal.trim().length === 0) {
    throw new InvalidArgumentError(
      messages.eventTriggerOptionInvalid(
        decorator,
        'signal',
        signal,
        'the signal name, a non-empty string',
      ),
    );
  }
  return {
    kind: 'signal',
    source,
    event,
    decorator,
    signal,
    workflowId: functionOption(
      decorator,
      checked,
      'workflowId',
      'a function of the event returning the id of the workflow to signal',
    )!,
    payload: functionOption(
      decorator,
      checked,
      'payload',
      'a function of the event returning the signal payload',
      true,
    ),
    signalId: functionOption(
      decorator,
      checked,
      'signalId',
      'a function of the event returning the signal id',
    )!,
  };
}

/** Records `trigger` on the class or method it decorates, beside any others there. */
export function eventTriggerDecorator(
  trigger: EventTrigger,
): EventTriggerDecorator {
  const decorate = (
    target: object,
    method?: string | symbol,
    descriptor?: PropertyDescriptor,
  ): void => {
    if (method === undefined) {
      const where = (target as { name?: string }).name || 'AnonymousClass';
      if (trigger.kind === 'start' && trigger.workflow === undefined) {
        throw new InvalidArgumentError(
          messages.eventTriggerNeedsWorkflow(trigger.decorator, where),
        );
      }
      record(target, trigger);
      return;
    }
    if (typeof target === 'function') {
      throw new InvalidArgumentError(
        messages.eventTriggerOnStatic(
          trigger.decorator,
          `${target.name}.${String(method)}()`,
        ),
      );
    }
    record(descriptor?.value as object, trigger);
  };
  return decorate;
}

function record(target: object, trigger: EventTrigger): void {
  const own =
    (Reflect.getOwnMetadata(LIDEX_EVENT_TRIGGERS_METADATA, target) as
      EventTrigger[] | undefined) ?? [];
  Reflect.defineMetadata(
    LIDEX_EVENT_TRIGGERS_METADATA,
    [...own, trigger],
    target,
  );
}

/** The triggers recorded on a class or method. */
export function triggersOf(target: object): EventTrigger[] {
  return (
    (Reflect.getOwnMetadata(LIDEX_EVENT_TRIGGERS_METADATA, target) as
      EventTrigger[] | undefined) ?? []
  );
}
