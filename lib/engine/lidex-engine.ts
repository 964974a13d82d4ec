import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { LidexClosedError } from '../errors/lidex-closed.error';
import { UnknownWorkflowError } from '../errors/unknown-workflow.error';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { messages } from '../lidex.messages';
import { requireWorkflowId, requireWorkflowName } from './arguments';
import {
  checkEngineConfig,
  type EngineConfig,
  engineClock,
  handlerEntries,
  requireHandler,
} from './engine-config';
import { ClockCheck } from './clock-check';
import { insertWorkflow } from './engine-start';
import type { ParentLink, Persistence } from '../stores/persistence';
import { resolveEngineOptions, type ResolvedEngineOptions } from './options';
import { toPage, toWorkflowQuery } from './list-query';
import {
  type ListOptions,
  type LidexLogger,
  type ResultOptions,
  type WaitOptions,
  type WorkflowCounts,
  type WorkflowHandler,
  type WorkflowInfo,
  type WorkflowPage,
  type WorkflowStatus,
} from './types';
import { readWorkflowInfo, toWorkflowSummary } from './workflow-info';
import type { RunDependencies } from './run-dependencies';
import { WorkflowRunner } from './workflow-runner';
import { StoredValues } from './payloads/stored-values';
import { waitFor, type WaitDependencies } from './engine-wait';
import {
  deliverSignal,
  sendSignal,
  type SignalDependencies,
  type SignalOptions,
  type SignalTarget,
} from './engine-signal';
import { LifecycleEmitter } from './lifecycle-emitter';
import { type Activity, readActivity } from './engine-activity';
import { resultOf } from './engine-result';
import { cancelWithFamily } from './child-family';
import { LocalEnds } from './local-ends';
import { loadTracing } from './tracing/load-tracing';
import { Worker } from './worker';
import { RetentionSweeper } from './retention/retention-sweeper';
import {
  deleteEnded,
  type PurgeOptions,
  purgeEnded,
  requireRetention,
  type RetentionCalls,
} from './retention/engine-retention';
import { requireVersion, startVersion } from './workflow-versions';
import { checkFlowOptions, type WorkflowFlowOptions } from './flow-limits';
import { flowSlots, type FlowSlots } from './flow-slots';
import type { FlowLimit } from '../model';
import { Schedules } from './schedules/schedules';
import {
  checkStartOptions,
  type StartArgs,
  type StartOptions,
} from './start-options';
import {
  type Storable,
  type WorkflowInput,
  type WorkflowRef,
  type WorkflowResult,
  isWorkflowRef,
  workflowNameOf,
} from './workflow-ref';

export type { EngineConfig };

const silentLogger: LidexLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

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
  private readonly handlers = new Map<string, WorkflowHandler>();
  /** The version this instance runs of each workflow it has a handler for. */
  private readonly versions = new Map<string, number>();
  /** The flow limits of the workflows this instance runs (`@Workflow(name, { concurrency })`). */
  private readonly limits = new Map<string, FlowLimit>();
  private readonly worker: Worker;
  private readonly deps: RunDependencies;
  /** Values as the store keeps them (through the payload codec, when one is configured). */
  private readonly values: StoredValues;
  private readonly clientOnly: boolean;
  private closed?: Promise<void>;
  private readonly waitDeps: WaitDependencies;
  private readonly signalDeps: SignalDependencies;
  private readonly retention: RetentionCalls;
  private readonly sweeper: RetentionSweeper;
  /** Ends written here, for `result()` to learn of at once. */
  private readonly ends = new LocalEnds();

  constructor(config: EngineConfig) {
    checkEngineConfig(config);
    this.options = resolveEngineOptions(config);
    this.store = config.store;
    this.values = new StoredValues(this.options.codec);
    this.clientOnly = config.clientOnly === true;
    for (const [name, handler] of handlerEntries(config.handlers)) {
      this.register(name, handler);
    }
    const logger = config.logger ?? silentLogger;
    this.events = new LifecycleEmitter(
      this.options.observability.eventPayloads,
      logger,
    );
    const { clock, own } = engineClock(config);
    this.waitDeps = {
      store: this.store,
      values: this.values,
      clock,
      requireOpen: (call) => this.requireOpen(call),
    };
    const monotonic = () => clock.monotonic();
    const check = new ClockCheck({
      store: this.store,
      options: this.options,
      logger,
      localNow: () => clock.now(),
      monotonic,
      followServer: !own,
    });
    this.deps = {
      store: this.store,
      values: this.values,
      options: this.options,
      logger,
      now: () => check.now(),
      monotonic,
      clock,
      expectReady: (readyAt) => this.worker.expectReady(readyAt),
      checkClock: () => check.check(),
      appClock: own,
      ended: (workflowId) => this.ends.ended(workflowId),
      startWorkflow: (id, name, input) => this.start(id, name, input),
      startChild: (id, name, input, parent, timeoutMs) =>
        this.start(id, name, input, { timeoutMs }, parent),
      family: {
        store: this.store,
        values: this.values,
        now: () => check.now(),
        sendSignal: (signal) => deliverSignal(this.signalDeps, signal),
        cancelled: (workflowId) => {
          for (const run of this.worker.runsOf(workflowId)) {
            run.halt('cancelled');
          }
          this.ends.ended(workflowId);
          // A cancelled child may compensate: ready now, this worker may take it at once.
          this.worker.nudge();
        },
      },
      versions: this.versions,
      limits: this.limits,
      sendSignal: (signal) => deliverSignal(this.signalDeps, signal),
      events: this.events,
      tracing: loadTracing(this.options.observability.tracing, () =>
        this.store.countWorkflows({}),
      ),
    };
    this.signalDeps = {
      store: this.store,
      values: this.values,
      now: this.deps.now,
      delivered: () => this.worker.nudge(),
      events: this.events,
    };
    this.worker = new Worker(
      this.deps,
      new WorkflowRunner(this.deps, this.handlers),
      () => this.schedules.heardElsewhere(),
    );
    this.retention = {
      store: this.store,
      clock,
      now: this.deps.now,
      retention: this.options.retention,
    };
    this.sweeper = new RetentionSweeper({ ...this.retention, logger });
    this.schedules = new Schedules({
      store: this.store,
      values: this.values,
      clock,
      now: this.deps.now,
      logger,
      requireOpen: (call) => this.requireOpen(call),
      requireWorkflow: (name) => {
        if (this.clientOnly) requireWorkflowName(name);
        else if (!this.handlers.has(name)) {
          throw new UnknownWorkflowError(name, this.workflowNames);
        }
      },
      runs: (name) => this.handlers.has(name),
      start: (id, name, input) => this.start(id, name, input),
      status: (id) => this.status(id),
    });
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
    requireWorkflowName(name);
    requireHandler(name, handler);
    const version = requireVersion(
      `The version of workflow ${JSON.stringify(name)}`,
      options.version,
    );
    const limit = checkFlowOptions(name, options);
    this.handlers.set(name, handler);
    this.versions.set(name, version);
    if (limit) this.limits.set(name, limit);
    else this.limits.delete(name);
  }

  get workflowNames(): string[] {
    return [...this.handlers.keys()];
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
  async start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
    options?: StartOptions,
    parent?: ParentLink,
  ): Promise<boolean> {
    this.requireOpen('start()');
    requireWorkflowId(id);
    const { transaction, version, priority, concurrencyKey, timeoutMs } =
      checkStartOptions(options);
    const name = workflowNameOf(workflow, 'start()');
    if (this.clientOnly) requireWorkflowName(name);
    else if (!this.handlers.has(name)) {
      throw new UnknownWorkflowError(name, this.workflowNames);
    }
    return insertWorkflow(this.deps, this.worker, {
      id,
      name,
      input,
      transaction,
      version: startVersion(version, this.versions.get(name)),
      priority,
      concurrencyKey,
      timeoutMs,
      parent,
    });
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
  async get(
    id: string,
    workflow?: WorkflowRef,
  ): Promise<WorkflowInfo | undefined> {
    this.requireOpen('get()');
    requireWorkflowId(id);
    return readWorkflowInfo(
      this.store,
      'get()',
      id,
      workflow,
      this.values.decode,
      this.values.decode,
      this.values.openErrors,
    );
  }

  /** `get()` with values this process cannot decode described (`encrypted (key k1)`). */
  async inspect(id: string): Promise<WorkflowInfo | undefined> {
    this.requireOpen('inspect()');
    requireWorkflowId(id);
    return readWorkflowInfo(
      this.store,
      'inspect()',
      id,
      undefined,
      this.values.display,
      this.values.display,
      this.values.openErrors,
    );
  }

  async status(id: string): Promise<WorkflowStatus | undefined> {
    this.requireOpen('status()');
    requireWorkflowId(id);
    return (await this.store.getWorkflow(id))?.status;
  }

  /** Workflows newest first, by status and name, a page at a time. */
  async list(options: ListOptions = {}): Promise<WorkflowPage> {
    this.requireOpen('list()');
    const query = toWorkflowQuery(options);
    const { page, nextCursor } = toPage(
      await this.store.listWorkflows(query),
      query,
    );
    return {
      workflows: page.map((w) => toWorkflowSummary(this.values.openErrors(w))),
      nextCursor,
    };
  }

  /** The last `minutes` minutes (at most a day) per minute, from the store: the dashboard's charts. */
  async activity(minutes = 60): Promise<Activity> {
    this.requireOpen('activity()');
    const span = Math.min(Math.max(1, Math.floor(minutes) || 60), 24 * 60);
    return readActivity(this.store, this.deps.now(), span);
  }

  /** How many workflows have each status, of one name when `filter.name` is given. */
  /** The slots in use of each workflow this instance limits (`flow-slots.ts`). */
  flowSlots(): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
    this.requireOpen('flowSlots()');
    return flowSlots(this.store, this.limits);
  }

  async counts(filter: { name?: string } = {}): Promise<WorkflowCounts> {
    this.requireOpen('counts()');
    if (filter.name !== undefined) requireWorkflowName(filter.name);
    return this.store.countWorkflows({ name: filter.name });
  }

  /**
   * Cancels a workflow that has not ended. A run holding it stops at its next durable point and
   * its lease is released. `true` when the workflow is cancelled (by this call or before), `false`
   * when it had already finished or aborted.
   */
  async cancel(id: string): Promise<boolean> {
    this.requireOpen('cancel()');
    requireWorkflowId(id);
    // The runs to stop are those under way now: by the time the store answers, a retry may
    // have started a new one here, which must go on.
    const runs = this.worker.runsOf(id);
    // Its parent told first, its 'cancel' children after (child-family.ts).
    const cancelled = await cancelWithFamily(
      this.deps.family,
      id,
      this.deps.now(),
      { compensate: true },
    );
    if (cancelled === undefined) throw new WorkflowNotFoundError(id);
    if (cancelled) {
      for (const run of runs) run.halt('cancelled');
      // Compensating, ready now: this worker may take it at once.
      this.worker.nudge();
      this.events.emit('cancelled', () => ({
        workflowId: id,
        at: this.deps.now(),
      }));
      this.ends.ended(id);
      this.deps.logger.log(messages.workflowCancelled(id));
    }
    return cancelled;
  }

  /**
   * Ends a workflow that has not ended, as `cancelled`, without running its compensations. `true`
   * when it is cancelled (by this call or before), `false` when it had already finished or aborted.
   */
  async terminate(id: string): Promise<boolean> {
    this.requireOpen('terminate()');
    requireWorkflowId(id);
    const runs = this.worker.runsOf(id);
    const terminated = await this.store.cancelWorkflow(id, this.deps.now());
    if (terminated === undefined) throw new WorkflowNotFoundError(id);
    if (terminated) {
      for (const run of runs) run.halt('cancelled');
      this.deps.logger.log(messages.workflowTerminated(id));
    }
    return terminated;
  }

  /**
   * Deletes an ended workflow (finished, aborted or cancelled) with its records and signals.
   * Throws `WorkflowNotEndedError` for one that has not ended, `WorkflowNotFoundError` for none.
   */
  async delete(id: string): Promise<void> {
    this.requireOpen('delete()');
    requireWorkflowId(id);
    await deleteEnded(this.store, id);
    this.deps.logger.log(messages.workflowDeleted(id));
  }

  /** Deletes the ended workflows older than `olderThan` (of `status`), in batches; how many. */
  purge(options: PurgeOptions): Promise<number> {
    this.requireOpen('purge()');
    return purgeEnded(this.retention, options);
  }

  /**
   * Runs an `aborted`, `failed` or `cancelled` workflow again, from its recorded steps, with its
   * failure count reset. `false` (changing nothing) for a workflow in any other status.
   */
  async retry(id: string): Promise<boolean> {
    this.requireOpen('retry()');
    requireWorkflowId(id);
    // A compensated workflow was undone: running it again would redo what was undone.
    const stored = await this.store.getWorkflow(id);
    if (stored?.steps.some((step) => step.kind === 'compensating'))
      return false;
    const retried = await this.store.retryWorkflow(id, this.deps.now());
    if (retried === undefined) throw new WorkflowNotFoundError(id);
    if (retried) {
      this.deps.logger.log(messages.workflowRetried(id));
      this.worker.nudge();
    }
    return retried;
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
    return waitFor(this.waitDeps, id, statusesOrOptions, timesOrOptions, ms);
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
    return sendSignal(this.signalDeps, workflow, name, payload, options);
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
    const [workflow, resultOptions] = isWorkflowRef(workflowOrOptions)
      ? [workflowOrOptions, options]
      : [undefined, workflowOrOptions];
    return resultOf(
      { ...this.waitDeps, ends: this.ends },
      id,
      workflow,
      resultOptions,
    );
  }

  /** Starts claiming and running workflows in this process. */
  startWorker(): void {
    this.requireOpen('startWorker()');
    const limited = [...this.limits.keys()];
    if (limited.length > 0 && !this.store.flowControl)
      throw new InvalidArgumentError(
        messages.flowControlUnsupported(this.store.describe(), limited),
      );
    const keyed = limited.filter((name) => this.limits.get(name)?.keyRate);
    if (keyed.length > 0 && !this.store.keyedRateLimits)
      throw new InvalidArgumentError(
        messages.keyedRateLimitsUnsupported(this.store.describe(), keyed),
      );
    if (this.sweeper.enabled) requireRetention(this.store);
    this.worker.start();
    this.schedules.startTicking();
    this.sweeper.start();
  }

  /** Stops ticking schedules and claiming, and drains running workflows (`shutdownGraceMs`). */
  stopWorker(): Promise<void> {
    // The worker stops at once (a start under way is handed back); a tick started meanwhile
    // is inserted unleased, for an instance still running to claim.
    const ticking = this.schedules.stopTicking();
    const stopped = this.worker.stop();
    const swept = this.sweeper.stop();
    return Promise.all([ticking, stopped, swept]).then(() => undefined);
  }

  /**
   * Stops the worker (draining as `stopWorker` does) and closes the store. Every later call that
   * needs the store throws `LidexClosedError`. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closed ??= this.stopWorker().then(() => {
      this.deps.tracing.close();
      return this.store.close();
    });
    return this.closed;
  }

  private requireOpen(call: string): void {
    if (this.closed) throw new LidexClosedError(call);
  }
}
