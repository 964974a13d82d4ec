import type { WorkflowError, WorkflowStatus } from '../engine/types';

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
 *   `finished` or `aborted`. Claiming takes the ready workflow with the oldest `readyAt`, and is
 *   atomic: two claims never both win one workflow.
 * - A claim stores a fresh lease token; every later write for that run names the token and is
 *   applied only if the workflow still holds it. A write that returns `false` lost the lease.
 */
export interface Persistence {
  /** Opens connections and creates tables or indexes, idempotently. */
  init(): Promise<void>;
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
   * With `lease`, the workflow is created already claimed by the caller (`running`).
   */
  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean>;

  /** Atomically claims the ready workflow with the oldest `readyAt`, with its recorded steps. */
  claimNextReady(
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined>;

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
   * Counts a failure and stores the error. At `maxFailures` failures the workflow is `aborted`
   * (no `readyAt`); before that it is `failed`, ready again at `retryAt`. Returns the new status
   * and failure count, or `undefined` when the lease was lost.
   */
  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined>;

  /** Everything stored about one workflow, steps in the order they were recorded. */
  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined>;
}

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
  now: number;
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
  readyAt?: number;
  leaseToken?: string;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
}
