import type { ModuleRef } from '@nestjs/core';
import type { WorkflowRef } from '../engine/workflow-ref';

/**
 * Options of `@StartWorkflowOn(event, options)`: which workflow an event starts, under which id,
 * with which input. `E` is the event, `I` the workflow's input.
 */
export interface StartWorkflowOnOptions<E, I = unknown> {
  /**
   * The workflow to start, by reference (`defineWorkflow`) or name. Optional on a `@Workflow()`
   * method, which it defaults to; required on a class.
   */
  workflow?: string | WorkflowRef<I, unknown>;
  /**
   * The workflow's id, derived from the event (`(e) => \`order-${e.orderId}\``), so that an event
   * delivered again starts nothing: a second start under the same id is a no-op.
   */
  id: (event: E) => string;
  /** The workflow's input; without it, the workflow starts with `undefined`. */
  input?: (event: E) => I;
}

/** Options of `@SignalWorkflowOn(event, options)`: which workflow an event signals, and how. */
export interface SignalWorkflowOnOptions<E, P = unknown> {
  /** The id of the workflow to signal, derived from the event. */
  workflowId: (event: E) => string;
  /** The signal's name, as the workflow's `ctx.waitForSignal(id, name)` waits for it. */
  signal: string;
  /** The signal's payload; without it, `undefined`. */
  payload?: (event: E) => P;
  /**
   * The signal's id, derived from the event (a payment id, the event's own id): an event
   * delivered again sends the same id, which the workflow receives once.
   */
  signalId: (event: E) => string;
}

/**
 * Where events come from: a bus of `@nestjs/cqrs` or `@nestjs/event-emitter`. Each entry point
 * (`@lidex/nestjs/cqrs`, `/event-emitter`) brings its own, so that the root entry imports
 * neither package.
 */
export interface EventSource {
  /** The package whose bus this is, for messages: `@nestjs/cqrs`. */
  readonly packageName: string;
  /** What the app imports to have that bus, for messages: `CqrsModule.forRoot()`. */
  readonly moduleName: string;
  /**
   * The app's bus, found through `moduleRef`; `undefined` when the app has none.
   * Called once per decorator as the app initialises.
   */
  find(moduleRef: ModuleRef): EventBusHandle | undefined;
}

/** A bus found in the app: `listen` subscribes and returns the way to unsubscribe. */
export interface EventBusHandle {
  listen(
    event: unknown,
    listener: (payload: unknown) => Promise<void>,
  ): () => void;
}

interface TriggerBase {
  source: EventSource;
  /** The event as the decorator was given it: a class, or an event name. */
  event: unknown;
  /** The decorator as messages name it: `@StartWorkflowOn(OrderPlaced)`. */
  decorator: string;
}

/** What `@StartWorkflowOn` records. */
export interface StartTrigger extends TriggerBase {
  kind: 'start';
  workflow?: string;
  id: (event: unknown) => unknown;
  input?: (event: unknown) => unknown;
}

/** What `@SignalWorkflowOn` records. */
export interface SignalTrigger extends TriggerBase {
  kind: 'signal';
  workflowId: (event: unknown) => unknown;
  signal: string;
  payload?: (event: unknown) => unknown;
  signalId: (event: unknown) => unknown;
}

export type EventTrigger = StartTrigger | SignalTrigger;
