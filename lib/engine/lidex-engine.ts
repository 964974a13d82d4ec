import { LidexClosedError } from '../errors/lidex-closed.error';
import {
  checkEngineConfig,
  type EngineConfig,
  handlerEntries,
} from './engine-config';
import type { ParentLink, Persistence } from '../stores/persistence';
import { resolveEngineOptions, type ResolvedEngineOptions } from './options';
import type {
  ListOptions,
  ResultOptions,
  WaitOptions,
  WorkflowCounts,
  WorkflowHandler,
  WorkflowInfo,
  WorkflowPage,
  WorkflowStatus,
} from './types';
import { waitFor } from './engine-wait';
import {
  sendSignal,
  type SignalOptions,
  type SignalTarget,
} from './engine-signal';
import type { LifecycleEmitter } from './lifecycle-emitter';
import type { Activity } from './engine-activity';
import { resultOf } from './engine-result';
import { type PurgeOptions, purgeEnded } from './retention/engine-retention';
import type { WorkflowFlowOptions } from './flow-limits';
import type { FlowSlots } from './flow-slots';
import type { Schedules } from './schedules/schedules';
import type { StartArgs, StartOptions } from './start-options';
import {
  type Storable,
  type WorkflowInput,
  type WorkflowRef,
  type WorkflowResult,
} from './workflow-ref';
import { WorkflowRegistry } from './engine-registry';
import { type EngineParts, type StartCall, wireEngine } from './engine-wiring';
import {
  activityOf,
  countWorkflows,
  flowSlotsOf,
  getWorkflow,
  inspectWorkflow,
  listWorkflows,
  readStatus,
} from './engine-reads';
import {
  cancelWorkflow,
  deleteWorkflow,
  retryWorkflow,
  terminateWorkflow,
} from './engine-control';
import { closeEngine, startWorking, stopWorking } from './engine-lifecycle';
import { type CallLeft, clientCall } from './client-call';

export type { EngineConfig };

/**
 * Durable execution without any framework: starts workflows, runs them from a store, reads them
 * back. The Nest module is a thin adapter over this class.
 */
export class LidexEngine {
  readonly options: ResolvedEngineOptions;
  readonly store: Persistence;
  /** Durable schedules: each tick starts one workflow across all instances. */
  readonly schedules: Schedules;
  /** This engine's lifecycle events: `events.subscribe(listener)` (see `lifecycle-events.ts`). */
  readonly events: LifecycleEmitter;
  /** The workflows this instance runs: handlers, versions, flow limits. */
  private readonly registry: WorkflowRegistry;
  /** The parts wired together (`engine-wiring.ts`) that each group of operations takes. */
  private readonly parts: EngineParts;
  private closed?: Promise<void>;

  constructor(config: EngineConfig) {
    checkEngineConfig(config);
    this.options = resolveEngineOptions(config);
    this.store = config.store;
    this.registry = new WorkflowRegistry(config.clientOnly === true);
    for (const [name, handler] of handlerEntries(config.handlers)) {
      this.register(name, handler);
    }
    this.parts = wireEngine(config, this.options, this.registry, (call) =>
      this.requireOpen(call),
    );
    this.events = this.parts.run.events;
    this.schedules = this.parts.schedules;
  }

  /**
   * Adds a workflow. `options.version` (an integer >= 1, default 1) is the version of its code
   * this instance runs: workflows it starts record it, and it claims none of a newer version.
   */
  register(
    name: string,
    handler: WorkflowHandler,
    options: { version?: number } & WorkflowFlowOptions = {},
  ): void {
    this.registry.register(name, handler, options);
  }

  get workflowNames(): string[] {
    return this.registry.names;
  }

  /**
   * Starts a workflow, by reference (`defineWorkflow`) or by name. Idempotent: returns `false`,
   * changing nothing, when a workflow with this id exists. When this process's worker has room,
   * the workflow begins at once, here. A name with no handler here is refused
   * (`UnknownWorkflowError`), except by a `clientOnly` engine, which checks only its form.
   */
  start<W extends WorkflowRef>(
    id: string,
    workflow: W,
    ...args: StartArgs<WorkflowInput<W>>
  ): Promise<boolean>;
  start<I>(
    id: string,
    name: string,
    input: I & Storable<I>,
    options?: StartOptions,
  ): Promise<boolean>;
  /** @internal `ctx.startChild()`: a start that records the child's parent. */
  start(
    id: string,
    name: string,
    input: unknown,
    options: StartOptions,
    parent: ParentLink,
  ): Promise<boolean>;
  start(...args: Parameters<StartCall>): Promise<boolean> {
    return this.call('start()', 'start', () => this.parts.start(...args));
  }

  /**
   * Everything stored about a workflow, or `undefined` when no workflow has this id. With a
   * reference, typed by it; a workflow of another name throws `InvalidArgumentError`.
   */
  get<W extends WorkflowRef>(
    id: string,
    workflow: W,
  ): Promise<WorkflowInfo<WorkflowInput<W>, WorkflowResult<W>> | undefined>;
  get<I = unknown, R = unknown>(
    id: string,
  ): Promise<WorkflowInfo<I, R> | undefined>;
  get(id: string, workflow?: WorkflowRef): Promise<WorkflowInfo | undefined> {
    return this.call('get()', 'read', () =>
      getWorkflow(this.parts, id, workflow),
    );
  }

  /** `get()` with values this process cannot decode described (`encrypted (key k1)`). */
  inspect(id: string): Promise<WorkflowInfo | undefined> {
    return this.call('inspect()', 'read', () =>
      inspectWorkflow(this.parts, id),
    );
  }

  status(id: string): Promise<WorkflowStatus | undefined> {
    return this.call('status()', 'read', () => readStatus(this.parts, id));
  }

  /** Workflows newest first, by status and name, a page at a time. */
  list(options: ListOptions = {}): Promise<WorkflowPage> {
    return this.call('list()', 'read', () =>
      listWorkflows(this.parts, options),
    );
  }

  /** The last `minutes` minutes (at most a day) per minute, from the store: the dashboard's charts. */
  activity(minutes = 60): Promise<Activity> {
    return this.call('activity()', 'read', () =>
      activityOf(this.parts, minutes),
    );
  }

  /** The slots in use of each workflow this instance limits (`flow-slots.ts`). */
  flowSlots(): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
    return this.call('flowSlots()', 'read', () => flowSlotsOf(this.parts));
  }

  /** How many workflows have each status, of one name when `filter.name` is given. */
  counts(filter: { name?: string } = {}): Promise<WorkflowCounts> {
    return this.call('counts()', 'read', () =>
      countWorkflows(this.parts, filter),
    );
  }

  /**
   * Cancels a workflow that has not ended. A run holding it stops at its next durable point and
   * its lease is released. `true` when the workflow is cancelled (by this call or before), `false`
   * when it had already finished or aborted.
   */
  cancel(id: string): Promise<boolean> {
    return this.call('cancel()', 'cancel', () =>
      cancelWorkflow(this.parts, id),
    );
  }

  /**
   * Ends a workflow that has not ended, as `cancelled`, without running its compensations. `true`
   * when it is cancelled (by this call or before), `false` when it had already finished or aborted.
   */
  terminate(id: string): Promise<boolean> {
    return this.call('terminate()', 'cancel', () =>
      terminateWorkflow(this.parts, id),
    );
  }

  /**
   * Deletes an ended workflow (finished, aborted or cancelled) with its records and signals.
   * Throws `WorkflowNotEndedError` for one that has not ended, `WorkflowNotFoundError` for none.
   */
  delete(id: string): Promise<void> {
    return this.call('delete()', 'delete', () =>
      deleteWorkflow(this.parts, id),
    );
  }

  /** Deletes the ended workflows older than `olderThan` (of `status`), in batches; how many. */
  purge(options: PurgeOptions): Promise<number> {
    this.requireOpen('purge()');
    return this.call('purge()', 'purge', () =>
      purgeEnded(this.parts.retention, options),
    );
  }

  /**
   * Runs an `aborted`, `failed` or `cancelled` workflow again, from its recorded steps, with its
   * failure count reset. `false` (changing nothing) for a workflow in any other status.
   */
  retry(id: string): Promise<boolean> {
    return this.call('retry()', 'retry', () => retryWorkflow(this.parts, id));
  }

  /**
   * Waits until the workflow has one of `statuses`; resolves that status, or `undefined` if it
   * did not happen in time. The original form checks `times` times, `ms` apart. Store errors
   * are waited through, except on the last check; a status that does not exist, or an option
   * Lidex does not know, throws `InvalidArgumentError` at once. With a workflow reference it
   * resolves the workflow itself, typed by the reference (as `get(id, ref)` does).
   */
  wait(
    id: string,
    statuses: WorkflowStatus[],
    times: number,
    ms: number,
  ): Promise<WorkflowStatus | undefined>;
  wait(id: string, options?: WaitOptions): Promise<WorkflowStatus | undefined>;
  wait<W extends WorkflowRef>(
    id: string,
    workflow: W,
    options?: WaitOptions,
  ): Promise<WorkflowInfo<WorkflowInput<W>, WorkflowResult<W>> | undefined>;
  wait(
    id: string,
    statusesOrOptions: WorkflowStatus[] | WaitOptions | WorkflowRef = {},
    timesOrOptions?: number | WaitOptions,
    ms?: number,
  ): Promise<WorkflowStatus | WorkflowInfo | undefined> {
    return this.call('wait()', 'read', () =>
      waitFor(this.parts.wait, id, statusesOrOptions, timesOrOptions, ms),
    );
  }

  /**
   * Sends signal `name` with `payload` (stored like a step result) to a workflow, which consumes
   * it at its `ctx.waitForSignal()` for that name, now or later. `true` when delivered (or
   * delivered before under the same `signalId`), `false` when the workflow has ended; throws
   * `WorkflowNotFoundError` when there is no such workflow.
   */
  signal<P>(
    workflow: SignalTarget,
    name: string,
    payload?: P & Storable<P>,
    options?: SignalOptions,
  ): Promise<boolean> {
    this.requireOpen('signal()');
    return this.call('signal()', 'signal', () =>
      sendSignal(this.parts.signals, workflow, name, payload, options),
    );
  }

  /**
   * The workflow's output, once it has finished; typed by a reference. A workflow that failed
   * for good throws `WorkflowAbortedError` (its error on `error`), a cancelled one
   * `WorkflowCancelledError` (why on `reason`: a deadline), and one still not ended after
   * `timeoutMs` (default 30 s) `WorkflowTimeoutError`. An end written by this process answers at
   * once; one written elsewhere is looked for at pauses growing to a second.
   */
  result<W extends WorkflowRef>(
    id: string,
    workflow: W,
    options?: ResultOptions,
  ): Promise<WorkflowResult<W>>;
  result<R = unknown>(id: string, options?: ResultOptions): Promise<R>;
  result(
    id: string,
    workflowOrOptions?: WorkflowRef | ResultOptions,
    options?: ResultOptions,
  ): Promise<unknown> {
    return this.call('result()', 'read', () =>
      resultOf(this.parts.results, id, workflowOrOptions, options),
    );
  }

  /** Starts claiming and running workflows in this process. */
  startWorker(): void {
    startWorking(this.parts);
  }

  /** Stops ticking schedules and claiming, and drains running workflows (`shutdownGraceMs`). */
  stopWorker(): Promise<void> {
    return stopWorking(this.parts);
  }

  /**
   * Stops the worker (draining as `stopWorker` does) and closes the store. Every later call that
   * needs the store throws `LidexClosedError`. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closed ??= closeEngine(this.parts);
    return this.closed;
  }

  /** A client call: a store whose database cannot be reached rejects it with `StoreUnavailableError`. */
  private call<T>(
    call: string,
    left: CallLeft,
    run: () => Promise<T>,
  ): Promise<T> {
    return clientCall(this.store, call, left, run);
  }

  private requireOpen(call: string): void {
    if (this.closed) throw new LidexClosedError(call);
  }
}
