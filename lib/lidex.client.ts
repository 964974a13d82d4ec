import { Inject, Injectable } from '@nestjs/common';
import type { LidexEngine } from './engine/lidex-engine';
import type { Schedules } from './engine/schedules/schedules';
import type {
  ListOptions,
  ResultOptions,
  WaitOptions,
  WorkflowCounts,
  WorkflowInfo,
  WorkflowPage,
  WorkflowStatus,
} from './engine/types';
import {
  isWorkflowRef,
  type Storable,
  type WorkflowInput,
  type WorkflowRef,
  type WorkflowResult,
} from './engine/workflow-ref';
import type { StartArgs, StartOptions } from './engine/start-options';
import type { SignalOptions, SignalTarget } from './engine/engine-signal';
import type { PurgeOptions } from './engine/retention/engine-retention';
import { LIDEX_ENGINE } from './lidex.constants';
import type { Observable } from 'rxjs';
import type { LidexEvent } from './engine/lifecycle-events';
import type { Activity } from './engine/engine-activity';
import type { FlowSlots } from './engine/flow-slots';
import {
  filterEvents,
  lifecycleEvents$,
  type LidexEventFilter,
} from './lidex-events';

/**
 * Starts workflows, reads them back, and operates them (cancel, retry). Inject it anywhere once
 * `LidexModule` is imported.
 */
@Injectable()
export class LidexClient {
  /**
   * Every lifecycle event of this app's engine (started, claimed, step recorded, ...; see
   * `LidexEvent`), while subscribed. Carries no inputs or results unless
   * `observability: { eventPayloads: true }`.
   */
  readonly events$: Observable<LidexEvent>;

  constructor(@Inject(LIDEX_ENGINE) private readonly engine: LidexEngine) {
    this.events$ = lifecycleEvents$(engine.events);
  }

  /** The events of `events$` of some types, of one workflow or of one workflow name. */
  events(wanted: LidexEventFilter = {}): Observable<LidexEvent> {
    return filterEvents(this.events$, wanted);
  }

  /**
   * Starts a workflow under `id` with `input`: by its reference (`defineWorkflow`), which the
   * compiler checks the input against, or by its name. Idempotent: resolves `false`, changing
   * nothing, when a workflow with this id exists. Throws `UnknownWorkflowError` for a name no
   * `@Workflow()` method of this app has (a `clientOnly` app checks only the name's form: the
   * instances that run workflows know their names), and `ValueNotStorableError` for an input
   * that cannot be stored. With `{ transaction }` (PostgresStore only), the workflow is inserted
   * in the app's transaction: it exists if and only if that transaction commits, and runs once
   * it has committed. With `{ timeoutMs }`, the workflow has a deadline: not ended by then, it
   * is stopped at its next durable point and ended `cancelled` ("deadline exceeded").
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
  start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
    options?: StartOptions,
  ): Promise<boolean> {
    // Each branch picks the engine's overload of the same form.
    return typeof workflow === 'string'
      ? this.engine.start(id, workflow, input, options)
      : this.engine.start(id, workflow, input, options);
  }

  /**
   * Everything stored about a workflow: status, input, result, error with its stack, attempts,
   * and each step and sleep with its timing. `undefined` when no workflow has this id. With a
   * reference, `input` and `result` have its types; a workflow of another name throws
   * `InvalidArgumentError`. Without, pass the types (`get<I, R>(id)`) or read `unknown`.
   */
  get<W extends WorkflowRef>(
    id: string,
    workflow: W,
  ): Promise<WorkflowInfo<WorkflowInput<W>, WorkflowResult<W>> | undefined>;
  get<I = unknown, R = unknown>(
    id: string,
  ): Promise<WorkflowInfo<I, R> | undefined>;
  get(id: string, workflow?: WorkflowRef): Promise<WorkflowInfo | undefined> {
    return workflow === undefined
      ? this.engine.get(id)
      : this.engine.get(id, workflow);
  }

  /**
   * The workflow as `get()` reads it, for showing rather than computing with: a value this
   * process cannot decode (encrypted with a key it does not have) reads as its description,
   * `'encrypted (key k1)'`, where `get()` throws `PayloadCodecError`. What the dashboard shows.
   */
  inspect(id: string): Promise<WorkflowInfo | undefined> {
    return this.engine.inspect(id);
  }

  /**
   * The workflow's output once it has finished, typed by a reference. Throws
   * `WorkflowAbortedError` for a workflow that failed for good (its error on `error`),
   * `WorkflowCancelledError` for a cancelled one (`reason`: a deadline that passed),
   * `WorkflowTimeoutError` when it has not ended within `timeoutMs` (default 30 s; the workflow
   * goes on), `WorkflowNotFoundError` for an unknown id. Answers at once for a workflow this
   * instance ends; otherwise looks at the store at pauses growing to a second.
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
    return isWorkflowRef(workflowOrOptions)
      ? this.engine.result(id, workflowOrOptions, options)
      : this.engine.result(id, workflowOrOptions);
  }

  /** The workflow's status, or `undefined` when no workflow has this id. */
  status(id: string): Promise<WorkflowStatus | undefined> {
    return this.engine.status(id);
  }

  /**
   * Workflows newest first, a page at a time, optionally of one status and one name. Pass the
   * page's `nextCursor` as `cursor` for the next page.
   */
  list(options?: ListOptions): Promise<WorkflowPage> {
    return this.engine.list(options);
  }

  /**
   * The last `minutes` minutes (default 60), per minute, from the store: workflows created,
   * finished and ended, the backlog, step latency. `supported: false` on a store without
   * `activity` (memory and SQLite have it).
   */
  activity(minutes?: number): Promise<Activity> {
    return this.engine.activity(minutes);
  }

  /**
   * For each workflow this instance declares `concurrency` or `rateLimit` on: its limits and the
   * slots in use now across every instance (leases held, and the busiest keys). `supported:
   * false` on a store without `leasedCounts` (every shipped store has it).
   */
  flowSlots(): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
    return this.engine.flowSlots();
  }

  /** How many workflows have each status, optionally of one name. */
  counts(filter?: { name?: string }): Promise<WorkflowCounts> {
    return this.engine.counts(filter);
  }

  /**
   * Cancels a workflow that has not ended (`idle`, `running` or `failed`). A running workflow
   * stops at its next durable point (its next step, sleep or return) on whichever instance runs
   * it. Resolves `true` when the workflow is `cancelled`, `false` when it had already finished
   * or aborted. Throws `WorkflowNotFoundError` for an unknown id.
   */
  cancel(id: string): Promise<boolean> {
    return this.engine.cancel(id);
  }

  /**
   * Ends a workflow that has not ended, as `cancelled`, without running its steps'
   * compensations (`cancel` runs them). A run under way stops at its next durable point.
   * Resolves `true` when the workflow is `cancelled`, `false` when it had already finished or
   * aborted. Throws `WorkflowNotFoundError` for an unknown id.
   */
  terminate(id: string): Promise<boolean> {
    return this.engine.terminate(id);
  }

  /**
   * Deletes an ended workflow (`finished`, `aborted` or `cancelled`) with its steps and signals;
   * its id can be started again. Throws `WorkflowNotEndedError` for a workflow that has not
   * ended (nothing is deleted) and `WorkflowNotFoundError` for an unknown id.
   */
  delete(id: string): Promise<void> {
    return this.engine.delete(id);
  }

  /**
   * Deletes the ended workflows that ended more than `olderThan` ago (ms, or `'30d'`), of
   * `status` (one or several ended statuses; all when absent), in batches. Resolves how many.
   */
  purge(options: PurgeOptions): Promise<number> {
    return this.engine.purge(options);
  }

  /**
   * Runs an `aborted`, `failed` or `cancelled` workflow again. Recorded steps are not run again:
   * it resumes where it stopped, with its failure count reset. Resolves `false` for any other
   * status. Throws `WorkflowNotFoundError` for an unknown id.
   */
  retry(id: string): Promise<boolean> {
    return this.engine.retry(id);
  }

  /**
   * Sends signal `name` with `payload` to a workflow (by id, or a handle with its `workflowId`):
   * stored durably, it wakes the workflow's `ctx.waitForSignal(id, name)`, or waits for it if the
   * workflow has not got there yet. A repeated `signalId` (a retried webhook) is stored once.
   * Resolves `true` when delivered, `false` when the workflow has ended; throws
   * `WorkflowNotFoundError` for an unknown id and `ValueNotStorableError` for a payload that
   * cannot be stored.
   */
  signal<P>(
    workflow: SignalTarget,
    name: string,
    payload?: P & Storable<P>,
    options?: SignalOptions,
  ): Promise<boolean> {
    return this.engine.signal<P>(workflow, name, payload, options);
  }

  /**
   * Durable schedules: `create(id, { workflow, cron, timezone } | { workflow, every })` (or
   * update), `pause`, `resume`, `trigger` (start one now), `remove`, `list` and `get` (with the
   * next fire time). Each tick starts one workflow across all instances, under an id made of
   * the schedule's id and the tick's time (`nightly@2030-01-01T03:00:00.000Z`).
   */
  get schedules(): Schedules {
    return this.engine.schedules;
  }

  /** The names of the workflows this app provides. */
  get workflowNames(): string[] {
    return this.engine.workflowNames;
  }

  /**
   * Waits until the workflow reaches one of the statuses and resolves it, or `undefined` when
   * it does not in time. `wait(id, statuses, times, ms)` checks `times` times, `ms` apart;
   * `wait(id, { statuses, timeoutMs, intervalMs })` defaults to `finished`, `aborted` or
   * `cancelled` within 30 s. `wait(id, ref, options?)` resolves the workflow itself, typed by
   * the reference, as `get(id, ref)` reads it once it has one of the statuses.
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
    statusesOrOptions?: WorkflowStatus[] | WaitOptions | WorkflowRef,
    timesOrOptions?: number | WaitOptions,
    ms?: number,
  ): Promise<WorkflowStatus | WorkflowInfo | undefined> {
    if (Array.isArray(statusesOrOptions)) {
      return this.engine.wait(
        id,
        statusesOrOptions,
        (timesOrOptions as number | undefined) ?? 1,
        ms ?? 1_000,
      );
    }
    if (isWorkflowRef(statusesOrOptions)) {
      return this.engine.wait(
        id,
        statusesOrOptions,
        timesOrOptions as WaitOptions | undefined,
      );
    }
    return this.engine.wait(id, statusesOrOptions);
  }
}
