import type {
  ActivityBucket,
  ActivityQuery,
  ClaimOptions,
  CancelRecord,
  ClaimedWorkflow,
  CompensationStatusChange,
  FailureRecord,
  FinishRecord,
  Lease,
  LeasedCount,
  LeaseRelease,
  NewSignal,
  NewWorkflow,
  SeenLease,
  SignalDelivery,
  StepOutcome,
  StoredStep,
  StoredWorkflow,
  WorkflowCounts,
  WorkflowPurge,
  WorkflowQuery,
  WorkflowStatus,
  WorkflowSummaryRecord,
} from '../model';
import type {
  ScheduleAdvance,
  ScheduleDraft,
  ScheduleRecord,
  ScheduleSaved,
} from '../model';

export * from '../model';

/**
 * The contract every Lidex store implements. `@lidex/nestjs/testing` ships the suites that hold a
 * store to it (`persistenceContract`, `operationsContract`, `clockContract`): one test for each
 * rule below. Everything the engine relies on is written here.
 *
 * Data:
 * - Values (inputs, results, errors) reach a store already encoded; a store keeps them as opaque
 *   text and hands them back unchanged. An error (`WorkflowError`) is kept whole, every field of
 *   it: `encoded` holds its message and stack when the codec encodes errors. Ids and lease tokens are opaque strings too: a store
 *   never builds a query or a field path from one.
 * - Times are milliseconds since the epoch, always given by the caller (`now`, `readyAt`,
 *   `until`); a store never reads its own clock, except to answer `serverTime()`.
 * - What one store object writes, another object over the same data (a second connection, a
 *   second process) reads at once, and every rule holds across them.
 *
 * Deadlines: a workflow inserted with `deadlineAt` keeps it, and hands it back in every claim and
 * in `getWorkflow`; the engine cancels it (with a reason) once the deadline has passed.
 *
 * Readiness and claims:
 * - A workflow is *ready* when its `readyAt` is at or before now. `readyAt` is set while a
 *   workflow can still run (idle, leased, sleeping, waiting for a retry, waiting with a timeout)
 *   and cleared when it is `finished`, `aborted` or `cancelled`, or released by a wait without a
 *   timeout (it is ready again only when a signal wakes it). Claiming takes the ready workflows with the oldest
 *   `readyAt`, and is atomic: two claims never both win one workflow, through one store object
 *   or two.
 *
 * Leases and fencing:
 * - A claim stores a fresh lease token; every later write for that run names the token and is
 *   applied only if the workflow still holds it. A write that returns `false` (`undefined` for
 *   `recordFailure`) lost the lease and changed nothing.
 * - A write repeated after its answer was lost: the engine repeats a write that threw (a
 *   connection reset, a timeout) with the very same arguments, not knowing whether the first
 *   try was applied. When it was, the repeat is answered as the applied try was (`true`; for
 *   `recordFailure` the same status and count) and changes nothing more: a step stays recorded
 *   once, a failure is counted once. This holds after a write that let the lease go (a release,
 *   a sleep with `release`, a finish, a failure), until another claim takes the workflow. The
 *   same write under a token that never held the workflow is refused.
 * - A step or sleep is recorded at most once per kind and id; the first recorded is kept.
 *
 * Attempts and values (`stepAttemptsContract`):
 * - Records of kind `attempt` (a step's failed attempt: id `<step id>#<n>`, `result` its error,
 *   `wakeAt` when the next attempt is due) and `value` (what `ctx.now()`, `ctx.random()` or
 *   `ctx.uuid()` drew) are kept like steps: at most once per kind and id, fenced by the lease,
 *   handed back unchanged (`result`, `wakeAt`, `startedAt`) with the claim and by `getWorkflow`
 *   in the order recorded. An attempt recorded with `release` lets the workflow go until
 *   `readyAt` (its `wakeAt`), like a long sleep.
 * Signals (`sendSignal`, the wait release, `signals` in claimed and stored workflows):
 * - A signal is kept with its workflow, numbered (`seq`) from 1 in the order the store received
 *   it, whether or not the workflow waits yet; every claim and `getWorkflow` hands back all of a
 *   workflow's signals in `seq` order. A repeated `signalId` for one workflow is stored once.
 * - Sending is one write. It wakes a workflow that waits (released with `wait`, not claimed
 *   since): ready now, `waitingFor` cleared. A leased workflow keeps its `readyAt` (its lease),
 *   and one not waiting (idle, sleeping, waiting for a retry) keeps its own: its next claim sees
 *   the signal. A workflow that ended (`finished`, `aborted`, `cancelled`) stores nothing.
 * - A release with `wait` stores `waitingFor` (shown by `getWorkflow` and `listWorkflows`, and
 *   filtered on by `waiting`) until a signal wakes it or a claim takes it; but when the workflow
 *   holds a signal past `wait.signalsSeen`, it is made ready now instead, without `waitingFor`.
 * - Which signal a wait consumed is the engine's record (`StoredStep` of kind `signal`), fenced
 *   like any step: each signal is consumed once.
 *
 * Flow control (`flowControlContract`; stores with `flowControl`):
 * - A workflow keeps the `priority` (0 when absent) and `concurrencyKey` it was inserted with,
 *   shown by `getWorkflow` and `listWorkflows` (each only when set; a priority of 0 left out), and
 *   `getWorkflow` shows `firstClaimedAt`, the `now` of its first claim (or of an insert with a
 *   lease), kept through later claims. A claim takes ready workflows by priority,
 *   highest first, then oldest `readyAt`; with `oldestFirst`, by `readyAt` alone.
 * - With `limits`, a claim never takes a workflow that is not leased when that would make more
 *   workflows of its name hold a lease than `concurrency`, or more of its name and
 *   `concurrencyKey` than `perKey`; nor, when it was never claimed before, when `rate.max`
 *   workflows of its name were first claimed in the `rate.perMs` ms up to `now`, or (stores with
 *   `keyedRateLimits`) `keyRate.max` of its name and `concurrencyKey` in `keyRate.perMs`. A skipped
 *   workflow stays ready as it was, and the claim goes on to the next. Only a lease holds a
 *   slot: a workflow that let its lease go (a long sleep, a wait, a retry) holds none. A leased
 *   workflow taken over (a lapsed lease) already holds its slot. These hold across store
 *   objects and processes: the count and the claim are one atomic step.
 * - A lapsed lease of a workflow at its limit is taken over however many ready workflows the
 *   limit refuses (older ones included): otherwise the slots of a process that died are never
 *   freed.
 * Retention (`retentionContract`: `deleteWorkflow`, `purgeWorkflows`):
 * - Only an ended workflow (`finished`, `aborted`, `cancelled`) is deleted; it goes with
 *   everything kept with it (its records, its signals), so that its id is free again and nothing
 *   of it is handed to a later workflow of that id. A workflow that has not ended is left as it is.
 * - A purge deletes the oldest first (by `updatedAt`, when it ended) and only what it is asked
 *   for, in one bounded batch, through an index: its cost does not grow with what it keeps, and
 *   claims and writes of other workflows go on meanwhile.
 *
 * Errors:
 * - A store that cannot reach its database throws (`StoreUnavailableError` where it can say so,
 *   or the driver's error): the engine waits and repeats the write for as long as a lease lasts.
 *   A `LidexError` other than `StoreUnavailableError` (a value too large to store) is final:
 *   the engine does not repeat the write.
 *
 * Capabilities: the optional members below (`maxValueBytes`, `maxWorkflowBytes`, `listLeases`,
 * `hasForeignWrites`, `isUnreachable`, `serverTime`, `serialWritesPerWorkflow`, `stepKeepsLease`,
 * `finishTakesStep`) say what a store has or needs;
 * the engine reads them after `init()`.
 */
/** Where a store's own log lines go: the app's logger (Nest's `Logger` in a Nest app). */
export interface StoreLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** What the caller of `init()` hands the store: optional, so a store can be opened alone. */
export interface StoreContext {
  /** For what a store finds at start that the operator must know (an unsafe server). */
  logger?: StoreLogger;
}

export interface Persistence {
  /**
   * Opens connections and creates tables or indexes, idempotently. The module passes its logger
   * in `context`; a store opened without one logs nothing.
   */
  init(context?: StoreContext): Promise<void>;
  /** Releases connections. No call is made after this. */
  close(): Promise<void>;
  /** Where the workflows are, for logs: "SQLite file /srv/app/lidex.sqlite". */
  describe(): string;
  /** The largest encoded value (in bytes) this store can keep, if it has a limit. */
  readonly maxValueBytes?: number;
  /**
   * The most one workflow's data (ids, input and every recorded step) may take, if the store
   * keeps a workflow in one record of limited size.
   */
  readonly maxWorkflowBytes?: number;
  /**
   * Whether the engine must send one run's writes one at a time (a lease renewal never in flight
   * with a step write of the same workflow). Set by a store whose server applies concurrent
   * conditional updates of one record as read-then-write, where two such writes can undo each
   * other (FerretDB 1.x). Absent or `false`: the engine lets a renewal overlap a step write.
   */
  readonly serialWritesPerWorkflow?: boolean;
  /**
   * Whether `recordStep` takes a `next` without `readyAt` (not releasing): the workflow keeps the
   * `readyAt` it has, its lease's expiry. The engine then sends a step write so within a tenth of
   * a lease of when the lease was last set, and one that sets the lease after that: a run's
   * step writes change no indexed column most of the time. Absent or `false`: every step write
   * sets `readyAt`.
   */
  readonly stepKeepsLease?: boolean;
  /**
   * Whether `recordFinish` takes the run's last step (`finish.step`) and records it with the
   * finish, both or neither, in one write. The engine then holds a step's record back until the
   * run's next call or end, so that a workflow returning right after a step makes one write for
   * both. Absent or `false`: every step is written on its own before the workflow goes on.
   */
  readonly finishTakesStep?: boolean;
  /**
   * Where the store keeps schedules (`ScheduleStore`). Optional for a store written elsewhere:
   * without it, `schedules` calls and scheduled workflows are refused with a clear error.
   */
  readonly schedules?: ScheduleStore;
  /**
   * Whether `claimReady` applies `ClaimOptions.limits` and `oldestFirst` (see "Flow control"
   * above). Absent: the engine refuses to run workflows that declare limits on this store.
   */
  readonly flowControl?: boolean;
  /**
   * Whether `claimReady` also applies `FlowLimit.keyRate` (rate limits per key). Absent: the
   * engine refuses to run workflows that declare one on this store.
   */
  readonly keyedRateLimits?: boolean;
  /**
   * How many workflows of each of `names` hold a lease now, per `concurrencyKey` (a row without
   * one for those started without a key); names with none are left out (`flowSlotsContract`).
   * The dashboard's slots in use; optional: without it, the dashboard shows none.
   */
  leasedCounts?(names: readonly string[]): Promise<LeasedCount[]>;

  /**
   * Creates a workflow. Returns `false`, changing nothing, when the id exists.
   * With `lease`, the workflow is created already claimed by the caller (`running`, 1 attempt).
   */
  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean>;

  /**
   * Optional, for stores that can join the app's own transaction (`start()`'s `transaction`):
   * inserts the workflow ready now and without a lease, through `transaction`, so that it exists
   * if and only if that transaction commits. Returns `false`, changing nothing, when the id
   * exists. Throws `InvalidArgumentError` for a transaction this store cannot use. Workers learn
   * of it once it is committed (the store notifies on commit, or they find it at their next poll).
   */
  insertWorkflowInTransaction?(args: {
    transaction: unknown;
    workflow: NewWorkflow;
  }): Promise<boolean>;

  /**
   * Atomically claims up to `leases.length` ready workflows, oldest `readyAt` first, the first
   * with the first lease and so on, each with its recorded steps; counts an attempt for each.
   * Answers fewer (or none) when fewer are ready. A claimed workflow becomes `running`, except
   * one that is `compensating`, which stays so.
   *
   * `takeOver` is passed only to stores that have `listLeases`. With it, a workflow that is
   * leased is claimed only if it is listed there and still holds exactly that lease (token and
   * `until`), and is ready at `now`; those come first. Workflows that are not leased (idle,
   * sleeping, waiting for a retry) are claimed as without it.
   *
   * With `options.versions`, a workflow of a name listed there whose `version` is higher than the
   * listed one is not claimed, taken over or counted: it is skipped, ready as it was, and older
   * ones behind it are claimed. A workflow stored without a version is version 1.
   */
  claimReady(
    now: number,
    leases: Lease[],
    takeOver?: SeenLease[],
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]>;

  /**
   * Optional, for stores without a server clock (`serverTime`): the leased workflows whose lease
   * ends at or before `endingBy`, soonest first, at most `limit`. A worker takes one over (with
   * `claimReady`'s `takeOver`) only once it has seen its lease stay unrenewed for longer than a
   * live owner renews it, on its own monotonic clock — so that a worker whose clock runs ahead
   * never takes over a lease that is still renewed.
   */
  listLeases?(endingBy: number, limit: number): Promise<SeenLease[]>;

  /** Moves the lease's expiry to `lease.until` if `lease.token` still holds it. */
  renewLease(workflowId: string, lease: Lease): Promise<boolean>;

  /**
   * Records a step or sleep, fenced by the lease token, and sets `readyAt` to `readyAt` (without
   * one, with `stepKeepsLease`: keeps it).
   * With `release`, the lease is also given up (a long sleep): the workflow stays `running`
   * and becomes ready again at `readyAt`.
   */
  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean>;

  /**
   * Gives up the lease; the workflow stays `running` and is ready again at `release.readyAt`
   * (with `release.wait`, see "Signals" above: no `readyAt` means ready only when woken).
   */
  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean>;

  /**
   * Marks the workflow `finished` with its encoded result, gives up the lease, clears `readyAt`.
   * With `finish.step` (only to a store with `finishTakesStep`): records that step too, as
   * `recordStep` would, in the same write.
   */
  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean>;

  /**
   * Counts a failure and stores the error. At `maxFailures` failures, or at once when
   * `failure.abort` is set, the workflow is `aborted` (no `readyAt`); before that it is `failed`,
   * ready again at `retryAt`. Returns the new status and failure count, or `undefined` when the
   * lease was lost. It ends a `compensating` workflow its lease holds the same way (the end of a
   * compensated abort, so the failure that ended it is counted as on a plain abort).
   */
  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined>;

  /**
   * Stores a signal for a workflow, in one write, and wakes the workflow if it waits (see
   * "Signals" above). Answers `duplicate` (storing nothing) when the workflow already has a
   * signal with this `signalId`, `ended` when it has ended, `not-found` when there is none.
   */
  sendSignal(signal: NewSignal): Promise<SignalDelivery>;

  /**
   * Optional: whether another connection has written to the store since the last call, checked
   * without a query — cheap enough to ask every few milliseconds. An idle worker then picks up
   * work started elsewhere at once, while claiming only every `pollIntervalMs`.
   */
  hasForeignWrites?(): boolean;

  /**
   * Optional: whether a failed call's error says that the database could not be reached (a
   * refused or lost connection, a server shutting down), rather than that the server refused
   * the statement. The engine then rejects the client's call with a `StoreUnavailableError`
   * naming the store, the driver's error as its `cause`.
   */
  isUnreachable?(error: unknown): boolean;

  /**
   * Optional: the database server's clock (ms since the epoch), for stores that have a server.
   * Each worker compares its own clock with it, warns when they differ by more than a quarter
   * of a lease, and counts leases, sleeps and retries on the server's time.
   */
  serverTime?(): Promise<number>;

  /**
   * Optional (the dashboard's charts): per bucket of `query.bucketMs` from `query.since` to
   * `query.until`, the workflows created, those that ended (by their last write) and the steps
   * recorded with their durations, read through indexes. Every bucket is answered, empty ones with
   * zeros. Without it the charts are drawn from `listWorkflows` and show no step latency.
   */
  activity?(query: ActivityQuery): Promise<ActivityBucket[]>;

  /** Everything stored about one workflow, steps in the order they were recorded. */
  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined>;

  /**
   * Workflows newest first (by `createdAt`, then id, both descending), without input, result
   * and steps; only those strictly after `query.after` in that order when it is given, and of
   * `query.status`, `query.name` and `query.version` when given.
   */
  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]>;

  /** How many workflows have each status (every status present, 0 if none). */
  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts>;

  /**
   * Cancels a workflow that has not ended: status `cancelled`, no lease (the run holding it loses
   * it at its next write), no `readyAt`. Answers `true` when it is cancelled (now or before),
   * `false` when it had already finished or aborted, `undefined` when there is no such workflow.
   * With `cancel.reason`, the workflow's error becomes that reason (a deadline that passed);
   * without, its error is left as it was. A workflow cancelled before keeps its first reason.
   * With `cancel.compensate`, a workflow holding a record of kind `compensable` goes to
   * `compensating` instead (no lease, a `compensating` record of id `cancelled` added, its
   * `readyAt` its creation time: ready for a claim whose time was read before the cancel, which
   * would otherwise give its free slot to a workflow waiting for it), and one already
   * `compensating` is left as it is (answering `true`); without it, a `compensating` workflow is
   * cancelled like the others (its compensations stop).
   */
  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel?: CancelRecord,
  ): Promise<boolean | undefined>;

  /**
   * Optional (compensation; without it `ctx.step(id, fn, { compensate })` is refused with a
   * clear error). Sets the status of a workflow whose compensations run, fenced by the lease:
   * `compensating` keeps the lease and `readyAt`; `cancelled` or `aborted` end it (no lease, no
   * `readyAt`), repeats answered as the applied try. `error`, when given, is stored.
   */
  recordCompensationStatus?(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean>;

  /**
   * Moves an `aborted`, `failed` or `cancelled` workflow back to `idle`, ready at `now`, its
   * failure count reset and its recorded steps kept. Answers `false` for any other status,
   * `undefined` when there is no such workflow.
   */
  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined>;

  /**
   * Optional (retention; without it `delete`, `purge` and `retention` are refused with a clear
   * error): deletes an ended workflow with its records and signals. `true` when deleted, `false`
   * (changing nothing) when it has not ended, `undefined` when there is no such workflow.
   */
  deleteWorkflow?(workflowId: string): Promise<boolean | undefined>;

  /**
   * Optional, with `deleteWorkflow`: deletes at most `purge.limit` workflows of `purge.status`
   * (an ended status) whose `updatedAt` is before `purge.endedBefore`, oldest first, with their
   * records and signals; answers how many it deleted.
   */
  purgeWorkflows?(purge: WorkflowPurge): Promise<number>;
}

/**
 * Schedules, kept durably beside the workflows (`schedulesContract` in `@lidex/nestjs/testing`
 * holds a store to these rules). Each tick of a schedule starts a workflow whose id the engine
 * derives from the schedule and the tick, so `insertWorkflow` refusing an existing id is what
 * makes a tick run once across instances; these records only say which ticks are handled.
 */
export interface ScheduleStore {
  /**
   * Creates the schedule (`created`: not paused, `lastTickAt` = `now`), or, when one has this
   * id, replaces its definition if it differs (`updated`: `paused`, `lastTickAt` and
   * `lastWorkflowId` kept) or changes nothing (`unchanged`). Of several saves of a new id at
   * once (instances booting together), one answers `created`.
   */
  saveSchedule(draft: ScheduleDraft): Promise<ScheduleSaved>;
  getSchedule(id: string): Promise<ScheduleRecord | undefined>;
  /** Every schedule, by id. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Pauses or resumes. Resuming moves `lastTickAt` up to `now` (the ticks of the pause are not
   * run); pausing or resuming twice changes nothing more. `false` when there is no such schedule.
   */
  pauseSchedule(
    id: string,
    change: { paused: boolean; now: number },
  ): Promise<boolean>;
  /**
   * Sets `lastTickAt` to `advance.to` (and `lastWorkflowId` when given) if it is still
   * `advance.from`; `false`, changing nothing, otherwise or when there is no such schedule.
   */
  advanceSchedule(id: string, advance: ScheduleAdvance): Promise<boolean>;
  /** Deletes the schedule (not the workflows it started); `false` when there was none. */
  removeSchedule(id: string): Promise<boolean>;
}
