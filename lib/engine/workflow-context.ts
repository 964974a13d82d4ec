import type { ContextCalls } from './context-calls';
import type { StepAttempt } from './step-policy';
import type {
  ChildHandle,
  ChildOptions,
  WaitForSignalOptions,
  WorkflowContext,
} from './types';
import type { WorkflowRef } from './workflow-ref';

/** What the facade forwards to: the run behind a workflow's `ctx`. */
export interface ContextTarget {
  readonly workflowId: string;
  readonly workflowName: string;
  readonly version: number;
  step<T>(
    id: string,
    fn: (attempt: StepAttempt) => T | Promise<T>,
    options?: unknown,
  ): Promise<T>;
  sleep(id: string, ms: number): Promise<void>;
  value(helper: 'now' | 'random' | 'uuid'): Promise<unknown>;
  start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
  ): Promise<boolean>;
  waitForSignal<T>(
    id: string,
    name: string,
    options?: WaitForSignalOptions,
  ): Promise<T | null>;
  signal(
    id: string,
    workflowId: string,
    name: string,
    payload?: unknown,
  ): Promise<boolean>;
  startChild(
    id: string,
    workflow: string | WorkflowRef,
    input: unknown,
    options?: ChildOptions,
  ): Promise<string>;
  childResult<R>(id: string): Promise<R>;
}

/**
 * The `ctx` a workflow's code receives: a frozen plain object with only the documented API
 * (the README's context table). The run and the call tracking behind it are held in this
 * closure, out of reach of property access; its methods work detached (`const { step } = ctx`).
 * Every call goes through `calls`, which detects misuse (a call not awaited, or made late).
 */
export function workflowContext(
  run: ContextTarget,
  calls: ContextCalls,
): WorkflowContext {
  const context = {
    workflowId: run.workflowId,
    workflowName: run.workflowName,
    version: run.version,
    step<T>(
      id: string,
      fn: (attempt: StepAttempt) => T | Promise<T>,
      options?: unknown,
    ): Promise<T> {
      return calls.track(
        () => `ctx.step(${JSON.stringify(id)})`,
        () => run.step(id, fn, options),
      );
    },
    sleep(id: string, ms: number): Promise<void> {
      return calls.track(
        () => `ctx.sleep(${JSON.stringify(id)})`,
        () => run.sleep(id, ms),
      );
    },
    start(
      id: string,
      workflow: string | WorkflowRef,
      input?: unknown,
    ): Promise<boolean> {
      return calls.track(
        () => `ctx.start(${JSON.stringify(id)})`,
        () => run.start(id, workflow, input),
      );
    },
    now(): Promise<Date> {
      return calls.track('ctx.now()', () => run.value('now') as Promise<Date>);
    },
    random(): Promise<number> {
      return calls.track(
        'ctx.random()',
        () => run.value('random') as Promise<number>,
      );
    },
    uuid(): Promise<string> {
      return calls.track(
        'ctx.uuid()',
        () => run.value('uuid') as Promise<string>,
      );
    },
    waitForSignal<T>(
      id: string,
      name: string,
      options?: WaitForSignalOptions,
    ): Promise<T | null> {
      return calls.track(
        () => `ctx.waitForSignal(${JSON.stringify(id)})`,
        () => run.waitForSignal<T>(id, name, options),
      );
    },
    signal(
      id: string,
      workflowId: string,
      name: string,
      payload?: unknown,
    ): Promise<boolean> {
      return calls.track(
        () => `ctx.signal(${JSON.stringify(id)})`,
        () => run.signal(id, workflowId, name, payload),
      );
    },
    startChild(
      id: string,
      workflow: string | WorkflowRef,
      input: unknown,
      options?: ChildOptions,
    ): Promise<ChildHandle> {
      return calls.track(
        () => `ctx.startChild(${JSON.stringify(id)})`,
        async () =>
          childHandle(await run.startChild(id, workflow, input, options), id),
      );
    },
    executeChild(
      id: string,
      workflow: string | WorkflowRef,
      input: unknown,
      options?: ChildOptions,
    ): Promise<unknown> {
      return calls.track(
        () => `ctx.executeChild(${JSON.stringify(id)})`,
        async () => {
          await run.startChild(id, workflow, input, options);
          return run.childResult(id);
        },
      );
    },
  };
  /** A child's handle: its `result()` is a call of the workflow's code like any other. */
  const childHandle = (workflowId: string, id: string): ChildHandle =>
    Object.freeze({
      workflowId,
      result: () =>
        calls.track(
          () => `result() of ctx.startChild(${JSON.stringify(id)})`,
          () => run.childResult(id),
        ),
    });
  // The overloads of `start` are the type's; the one implementation takes them all.
  return Object.freeze(context) as WorkflowContext;
}
