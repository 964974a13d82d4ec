import {
  WORKFLOW_STATUSES,
  type WorkflowCounts,
  type WorkflowError,
  type WorkflowStatus,
} from '../engine/types';

/**
 * The contract every Lidex store implements, and the shared contract suite tests.
 *
 * Values (inputs, results) reach a store already encoded as strings; a store keeps them as
 * opaque text. Ids are opaque strings too: a store never builds a query or a field path from one.
 * Times are milliseconds since the epoch.
 *
 * The rules that make execution durable:
 * - A workflow is *ready* when its `readyAt` is at or before now. `readyAt` is set while a
 *   workflow can still run (idle, leased, sleeping, waiting for a retry) and cleared when it is
 *   `finished`, `aborted` or `cancelled`. Claiming takes the ready workflows with the oldest
 *   `readyAt`, and is atomic: two claims never both win one workflow.
 * - A claim stores a fresh lease token; every later write for that run names the token and is
 *   applied only if the workflow still holds it. A write that returns `false` lost the lease.
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
   * Creates a workflow. Returns `false`, changing nothing, when the id exists.
   * With `lease`, the workflow is created already claimed by the caller (`running`, 1 attempt).
   */
  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean>;

  /**
   * Atomically claims up to `leases.length` ready workflows, oldest `readyAt` first, the first
   * with the first lease and so on, each with its recorded steps; counts an attempt for each.
   * Answers fewer (or none) when fewer are ready.
   *
   * `takeOver` is passed only to stores that have `listLeases`. With it, a workflow that is
   * leased is claimed only if it is listed there and still holds exactly that lease (token and
   * `until`), and is ready at `now`; those come first. Workflows that are not leased (idle,
   * sleeping, waiting for a retry) are claimed as without it.
   */
  claimReady(
    now: number,
    leases: Lease[],
    takeOver?: SeenLease[],
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
   * Records a step or sleep, fenced by the lease token, and sets `readyAt` to `readyAt`.
   * With `release`, the lease is also given up (a long sleep): the workflow stays `running`
   * and becomes ready again at `readyAt`.
   */
  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean>;

  /** Gives up the lease; the workflow is ready again at `readyAt`. */
  releaseLease(
    workflowId: string,
    leaseToken: string,
    readyAt: number,
    now: number,
  ): Promise<boolean>;

  /** Marks the workflow `finished` with its encoded result and clears `readyAt`. */
  recordFinish(
    workflowId: string,
    leaseToken: string,
    result: string,
    now: number,
  ): Promise<boolean>;

  /**
   * Counts a failure and stores the error. At `maxFailures` failures, or at once when
   * `failure.abort` is set, the workflow is `aborted` (no `readyAt`); before that it is `failed`,
   * ready again at `retryAt`. Returns the new status and failure count, or `undefined` when the
   * lease was lost.
   */
  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined>;

  /**
   * Optional: whether another connection has written to the store since the last call, checked
   * without a query — cheap enough to ask every few milliseconds. An idle worker then picks up
   * work started elsewhere at once, while claiming only every `pollIntervalMs`.
   */
  hasForeignWrites?(): boolean;

  /**
   * Optional: the database server's clock (ms since the epoch), for stores that have a server.
   * Each worker compares its own clock with it, warns when they differ by more than a quarter
   * of a lease, and counts leases, sleeps and retries on the server's time.
   */
  serverTime?(): Promise<number>;

  /** Everything stored about one workflow, steps in the order they were recorded. */
  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined>;

  /**
   * Workflows newest first (by `createdAt`, then id, both descending), without input, result
   * and steps; only those strictly after `query.after` in that order when it is given.
   */
  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]>;

  /** How many workflows have each status (every status present, 0 if none). */
  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts>;

  /**
   * Cancels a workflow that has not ended: status `cancelled`, no lease (the run holding it loses
   * it at its next write), no `readyAt`. Answers `true` when it is cancelled (now or before),
   * `false` when it had already finished or aborted, `undefined` when there is no such workflow.
   */
  cancelWorkflow(workflowId: string, now: number): Promise<boolean | undefined>;

  /**
   * Moves an `aborted`, `failed` or `cancelled` workflow back to `idle`, ready at `now`, its
   * failure count reset and its recorded steps kept. Answers `false` for any other status,
   * `undefined` when there is no such workflow.
   */
  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined>;
}

/** What `listWorkflows` looks for. */
export interface WorkflowQuery {
  status?: WorkflowStatus;
  name?: string;
  limit: number;
  /** The last workflow of the previous page. */
  after?: { createdAt: number; id: string };
}

/** A workflow without its input, result and steps. */
export interface WorkflowSummaryRecord {
  id: string;
  name: string;
  status: WorkflowStatus;
  failures: number;
  attempts: number;
  error?: WorkflowError;
  readyAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** Counts with every status at 0, for `countWorkflows` to fill in. */
export function noCounts(): WorkflowCounts {
  return Object.fromEntries(
    WORKFLOW_STATUSES.map((status) => [status, 0]),
  ) as WorkflowCounts;
}

/** Statuses `retryWorkflow` moves back to `idle`. */
export const RETRYABLE_STATUSES: readonly WorkflowStatus[] = [
  'aborted',
  'failed',
  'cancelled',
];

/** Statuses `cancelWorkflow` moves to `cancelled`. */
export const CANCELLABLE_STATUSES: readonly WorkflowStatus[] = [
  'idle',
  'running',
  'failed',
];

/** What becomes of the workflow when a step is recorded. */
export interface StepOutcome {
  /** The workflow's new `readyAt`: the lease's new expiry, or a long sleep's wake-up time. */
  readyAt: number;
  /** Give up the lease too (a long sleep). */
  release: boolean;
  now: number;
}

/** A failure to record. */
export interface FailureRecord {
  error: WorkflowError;
  /** When a `failed` workflow is ready again. */
  retryAt: number;
  maxFailures: number;
  /**
   * End the workflow now (`aborted`), whatever its failure count: the error cannot succeed on a
   * retry (a value that cannot be stored, a step id used twice, a misused workflow context).
   */
  abort?: boolean;
  now: number;
}

/** A lease as another worker sees it in the store. */
export interface SeenLease {
  workflowId: string;
  leaseToken: string;
  /** When it expires unless renewed (the workflow's `readyAt`). */
  until: number;
}

export interface Lease {
  token: string;
  /** When the lease expires unless renewed. */
  until: number;
}

export interface NewWorkflow {
  id: string;
  name: string;
  /** Encoded input. */
  input: string;
  now: number;
}

export interface StoredStep {
  kind: 'step' | 'sleep';
  id: string;
  /** Encoded result (steps). */
  result?: string;
  /** Wake-up time (sleeps). */
  wakeAt?: number;
  /** When the step's function began (steps). */
  startedAt?: number;
  recordedAt: number;
}

export interface ClaimedWorkflow {
  id: string;
  name: string;
  /** Encoded input. */
  input: string;
  failures: number;
  leaseToken: string;
  steps: StoredStep[];
}

export interface StoredWorkflow {
  id: string;
  name: string;
  status: WorkflowStatus;
  input: string;
  result?: string;
  error?: WorkflowError;
  failures: number;
  /** Claims so far, the claim at insert included. */
  attempts: number;
  readyAt?: number;
  leaseToken?: string;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
}
