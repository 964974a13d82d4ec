import { SetMetadata } from '@nestjs/common';
import type { WorkflowContext } from './engine/types';
import { type WorkflowRef, workflowNameOf } from './engine/workflow-ref';
import { InvalidArgumentError } from './errors/invalid-argument.error';
import {
  LIDEX_SCHEDULE_METADATA,
  LIDEX_WORKFLOW_METADATA,
  LIDEX_WORKFLOW_VERSION_METADATA,
  LIDEX_WORKFLOW_FLOW_METADATA,
} from './lidex.constants';
import {
  checkFlowOptions,
  type WorkflowFlowOptions,
} from './engine/flow-limits';
import { checkWorkflowSchedule } from './workflow-options';
import type { WorkflowScheduleOptions } from './engine/schedules/schedule-options';
import { messages } from './lidex.messages';
import { requireVersion } from './engine/workflow-versions';

/** What `@Workflow(name, options)` takes beside the name. */
export interface WorkflowOptions extends WorkflowFlowOptions {
  /**
   * The version of this workflow's code, an integer >= 1. Raise it when a change must not reach
   * workflows already running: each workflow records the version it started on (`ctx.version`),
   * and an instance never claims a workflow of a newer version than its own (rolling deploys).
   * @default 1
   */
  version?: number;
  /**
   * A durable schedule for this workflow, saved under the workflow's name when the app boots:
   * `{ cron: '0 3 * * *', timezone: 'Europe/Berlin' }` or `{ every: 60_000 }`, with `input`
   * and the missed-ticks and overlap policies (see `WorkflowScheduleOptions`).
   */
  schedule?: WorkflowScheduleOptions;
}

/**
 * What `@Workflow(ref)` returns: a method decorator that accepts only a method taking the
 * reference's input and resolving its result, so that the compiler checks the method against
 * what `client.start(id, ref, input)` sends and `client.get(id, ref)` reads.
 */
export type WorkflowMethodDecorator<I, R> = <
  M extends (ctx: WorkflowContext, input: I) => Promise<R>,
>(
  target: object,
  method: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Marks a provider method as a workflow, named by a reference (`defineWorkflow`) or by a string.
 * The method receives the workflow context and the input given to `LidexClient.start`, and
 * returns the workflow's result:
 *
 * ```ts
 * export const CollectPayment = defineWorkflow<string, CollectPaymentResult>('collect-payment');
 *
 * @Workflow(CollectPayment)
 * async collectPayment(ctx: WorkflowContext, invoiceId: string): Promise<CollectPaymentResult> {…}
 * ```
 *
 * With a reference, a method whose input or result type disagrees with it does not compile.
 * `options.version` (default 1) is the version of the code: see `WorkflowOptions`.
 * The method must be an instance method of a singleton provider (the default scope).
 * `LidexModule` finds these methods when the app starts; names must be unique in the app.
 *
 * With `{ schedule: { cron, timezone } }` or `{ schedule: { every } }`, the app saves a schedule
 * named as the workflow when it boots (updating it when the decorator changed), and each tick
 * starts the workflow once across all instances (see `client.schedules`).
 */
export function Workflow<I, R>(
  workflow: WorkflowRef<I, R>,
  options?: WorkflowOptions,
): WorkflowMethodDecorator<I, R>;
export function Workflow(
  name: string,
  options?: WorkflowOptions,
): MethodDecorator;
export function Workflow(
  workflow: string | WorkflowRef,
  options: WorkflowOptions = {},
): MethodDecorator {
  const name: unknown =
    typeof workflow === 'object' && workflow !== null
      ? workflowNameOf(workflow, '@Workflow()')
      : workflow;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      messages.invalidId('@Workflow() name', name),
    );
  }
  if (name.trim().length === 0) {
    throw new InvalidArgumentError(messages.blankWorkflowName(name));
  }
  const version = requireVersion(
    `@Workflow(${JSON.stringify(name)}) option "version"`,
    (options as WorkflowOptions | undefined)?.version,
  );
  const setName = SetMetadata(LIDEX_WORKFLOW_METADATA, name);
  const setVersion = SetMetadata(LIDEX_WORKFLOW_VERSION_METADATA, version);
  const schedule = checkWorkflowSchedule(name, options);
  // Checked as the class loads; the engine keeps the options it was given.
  checkFlowOptions(name, options);
  const flow: WorkflowFlowOptions = {
    concurrency: options.concurrency,
    rateLimit: options.rateLimit,
  };
  const setFlow = SetMetadata(LIDEX_WORKFLOW_FLOW_METADATA, flow);
  const setSchedule =
    schedule && SetMetadata(LIDEX_SCHEDULE_METADATA, schedule);
  return (target, method, descriptor) => {
    // On a static method the target is the class itself, which discovery never looks at.
    if (typeof target === 'function') {
      throw new InvalidArgumentError(
        messages.staticWorkflow(name, `${target.name}.${String(method)}()`),
      );
    }
    setName(target, method, descriptor);
    setVersion(target, method, descriptor);
    setFlow(target, method, descriptor);
    setSchedule?.(target, method, descriptor);
  };
}
