import type { WorkflowError, WorkflowStatus } from './workflow-status';

/*
 * The records the engine and the stores exchange. Values (inputs, results) are already encoded
 * as strings; ids and lease tokens are opaque strings; times are milliseconds since the epoch.
 */

/** What `listWorkflows` looks for. */
export interface WorkflowQuery {
  status?: WorkflowStatus;
  name?: string;
  /** Only workflows that started on this version. */
  version?: number;
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
  /** The version of the workflow's code it started on (1 for workflows stored before versions). */
  version: number;
  error?: WorkflowError;
  readyAt?: number;
  createdAt: number;
  updatedAt: number;
}

/** What becomes of the workflow when a step is recorded. */
export interface StepOutcome {
  /** The workflow's new `readyAt`: the lease's new expiry, or a long sleep's wake-up time. */
  readyAt: number;
  /** Give up the lease too (a long sleep). */
  release: boolean;
  now: number;
}

/** A lease given up (`releaseLease`): the workflow is ready again at `readyAt`. */
export interface LeaseRelease {
  readyAt: number;
  now: number;
}

/** A workflow's end (`recordFinish`). */
export interface FinishRecord {
  /** The encoded result. */
  result: string;
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
  /** The version of the workflow's code it starts on: 1 when absent, 0 when unknown. */
  version?: number;
}

/** What a claim asks for besides readiness. */
export interface ClaimOptions {
  /**
   * The version this worker runs of each workflow name it runs: a workflow of a name listed here
   * whose version is higher is not claimed (it stays ready for a newer worker). Names not listed
   * are not limited.
   */
  versions?: ReadonlyMap<string, number>;
}

/**
 * What a record of a workflow's run is: a step's result, a sleep, one failed attempt of a step
 * (id `<step id>#<attempt>`, `result` the encoded error, `wakeAt` when the next attempt is due,
 * absent when none is), or a value a replay-safe helper drew (`ctx.now()`, `ctx.random()`,
 * `ctx.uuid()`; id `<helper>#<n>`).
 */
export type StepKind = 'step' | 'sleep' | 'attempt' | 'value';

export interface StoredStep {
  kind: StepKind;
  id: string;
  /** Encoded result (steps, values); the encoded error (attempts). */
  result?: string;
  /** Wake-up time (sleeps); when the next attempt is due (attempts). */
  wakeAt?: number;
  /** When the step's function began (steps, attempts). */
  startedAt?: number;
  recordedAt: number;
}

export interface ClaimedWorkflow {
  id: string;
  name: string;
  /** Encoded input. */
  input: string;
  leaseToken: string;
  /** The version it started on. */
  version: number;
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
  /** The version it started on. */
  version: number;
  readyAt?: number;
  leaseToken?: string;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
}
