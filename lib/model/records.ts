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
  /** Only workflows waiting (released by a wait) for this kind of thing. */
  waiting?: WaitTarget['kind'];
  /** Only workflows of this priority (0 includes those started without one). */
  priority?: number;
  /** Only workflows started with this `concurrencyKey`. */
  concurrencyKey?: string;
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
  /** Its priority (absent or 0 unless started with one). */
  priority?: number;
  concurrencyKey?: string;
  error?: WorkflowError;
  readyAt?: number;
  /** What the workflow waits for, from the wait's release until it is woken or claimed. */
  waitingFor?: WaitTarget;
  createdAt: number;
  updatedAt: number;
}

/** What becomes of the workflow when a step is recorded. */
export interface StepOutcome {
  /**
   * The workflow's new `readyAt`: the lease's new expiry, or a long sleep's wake-up time. Absent
   * (never with `release`; only to a store with `stepKeepsLease`): the lease keeps the expiry it
   * has, and the write changes nothing the claims read.
   */
  readyAt?: number;
  /** Give up the lease too (a long sleep). */
  release: boolean;
  now: number;
}

/** A lease given up (`releaseLease`): the workflow is ready again at `readyAt`. */
export interface LeaseRelease {
  /** When it is ready again; absent only with `wait` (no timeout: ready only when woken). */
  readyAt?: number;
  now: number;
  /** The run waits (for a signal, or a child's end): woken by a signal, or at `readyAt`. */
  wait?: WaitRelease;
}

/** What a workflow waits for. `until`: the wait's timeout, if it has one. */
export type WaitTarget =
  | { kind: 'signal'; name: string; until?: number }
  | { kind: 'child'; childId: string; until?: number };

/** A release that waits (`LeaseRelease.wait`). */
export interface WaitRelease {
  for: WaitTarget;
  /**
   * The highest signal `seq` the run's claim saw (0 for none). A workflow holding a signal past
   * it when the release is applied is made ready at once instead: nothing sent meanwhile is missed.
   */
  signalsSeen: number;
}

/** A signal to store (`sendSignal`). `payload` is encoded. */
export interface NewSignal {
  workflowId: string;
  name: string;
  payload: string;
  /** Unique per workflow: a repeat of it is stored once. */
  signalId: string;
  now: number;
}

/** A signal as a workflow keeps it: `seq` counts the workflow's signals from 1, in order sent. */
export interface StoredSignal {
  seq: number;
  name: string;
  /** Encoded payload. */
  payload: string;
  signalId: string;
  sentAt: number;
}

/**
 * What `sendSignal` did: stored it (`delivered`), had it already (`duplicate`), refused it for a
 * workflow that ended (`ended`), or found no such workflow (`not-found`).
 */
export type SignalDelivery = 'delivered' | 'duplicate' | 'ended' | 'not-found';

/** A workflow's end (`recordFinish`). */
export interface FinishRecord {
  /** The encoded result. */
  result: string;
  now: number;
  /**
   * The run's last step, recorded with the finish (both or neither): given only to a store with
   * `finishTakesStep`.
   */
  step?: StoredStep;
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
  /** Claimed before workflows of a lower priority (an integer; 0 when absent). */
  priority?: number;
  /** The key its name's per-key concurrency limit counts it under (`FlowLimit.perKey`). */
  concurrencyKey?: string;
  /** When the workflow is cancelled if it has not ended (`start()`'s `timeoutMs`). */
  deadlineAt?: number;
  /** The W3C traceparent of the span that started it, kept as given (OpenTelemetry). */
  traceContext?: string;
  /** The workflow that started it as a child (`ctx.startChild()`), if one did. */
  parent?: ParentLink;
}

/** A child's parent, and what cancelling the parent does to the child. */
export interface ParentLink {
  workflowId: string;
  /** `cancel`: cancelling the parent cancels the child; `abandon`: the child goes on. */
  parentClose: 'cancel' | 'abandon';
}

/** What a claim asks for besides readiness. */
export interface ClaimOptions {
  /**
   * The version this worker runs of each workflow name it runs: a workflow of a name listed here
   * whose version is higher is not claimed (it stays ready for a newer worker). Names not listed
   * are not limited.
   */
  versions?: ReadonlyMap<string, number>;
  /**
   * The flow limits this worker applies to each workflow name it lists (`FlowLimit`): a claim
   * that would exceed one skips the workflow, ready as it was. Names not listed are not limited.
   */
  limits?: ReadonlyMap<string, FlowLimit>;
  /**
   * Take the ready workflows by `readyAt` alone, whatever their priority: the share of claims
   * that bounds how long a low priority waits behind a stream of higher ones.
   */
  oldestFirst?: boolean;
}

/** What a claim may not exceed for one workflow name, across every store object and instance. */
export interface FlowLimit {
  /** At most this many workflows of the name hold a lease at once. */
  concurrency?: number;
  /** At most this many of the name hold a lease at once per `concurrencyKey` (keyless: no limit). */
  perKey?: number;
  /** At most `max` first claims of the name in the `perMs` ms up to the claim's `now`. */
  rate?: { max: number; perMs: number };
  /**
   * At most `max` first claims of the name and one `concurrencyKey` in the `perMs` ms up to the
   * claim's `now` (keyless: no limit). Applied by stores with `keyedRateLimits`.
   */
  keyRate?: { max: number; perMs: number };
}

/** Leases held now by workflows of one name, and one `concurrencyKey` when set (`leasedCounts`). */
export interface LeasedCount {
  name: string;
  concurrencyKey?: string;
  leased: number;
}

/** How a workflow is cancelled (`cancelWorkflow`). */
export interface CancelRecord {
  /** Why, stored as the workflow's error (a deadline that passed); the error is kept without. */
  reason?: WorkflowError;
  /**
   * Run the compensations first: a workflow holding a `compensable` record is moved to
   * `compensating` instead, ready now, with a `compensating` record of id `cancelled`.
   */
  compensate?: boolean;
}

/**
 * What a record of a workflow's run is: a step's result, a sleep, one failed attempt of a step
 * (id `<step id>#<attempt>`, `result` the encoded error, `wakeAt` when the next attempt is due,
 * absent when none is), or a value a replay-safe helper drew (`ctx.now()`, `ctx.random()`,
 * `ctx.uuid()`; id `<helper>#<n>`).
 */
export type StepKind =
  'step' | 'sleep' | 'attempt' | 'value' | 'signal' | CompensationKind;

/**
 * Compensation's records: `compensable` (a step with a compensation is about to run; id the
 * step's id), `compensating` (the compensations began; id `cancelled` or `aborted`, how the
 * workflow ends once they are done), `compensation` (one compensation's outcome; id the step's
 * id, `result` `{"ok":true}` or the error it gave up with) and `compensation-attempt` (a failed
 * attempt of one, as `attempt` records are for steps).
 */
export type CompensationKind =
  'compensable' | 'compensating' | 'compensation' | 'compensation-attempt';

export interface StoredStep {
  /** `signal`: a signal consumed by a wait, a wait's timeout, a signal sent (engine's ids). */
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
  /** Every signal the workflow holds, in `seq` order. */
  signals: StoredSignal[];
  /** When the workflow is cancelled if it has not ended, if it has a deadline. */
  deadlineAt?: number;
  /** The trace context it started with, when it had one. */
  traceContext?: string;
  /** Its parent, when it was started as a child. */
  parent?: ParentLink;
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
  /** Its priority (absent or 0 unless started with one). */
  priority?: number;
  concurrencyKey?: string;
  /** When it was first claimed (its start, as rate limits count it), on stores that keep it. */
  firstClaimedAt?: number;
  readyAt?: number;
  leaseToken?: string;
  /** What the workflow waits for, from the wait's release until it is woken or claimed. */
  waitingFor?: WaitTarget;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
  /** Every signal the workflow holds, in `seq` order. */
  signals: StoredSignal[];
  /** When the workflow is cancelled if it has not ended, if it has a deadline. */
  deadlineAt?: number;
  /** The trace context it started with (`NewWorkflow.traceContext`), when it had one. */
  traceContext?: string;
  /** Its parent, when it was started as a child. */
  parent?: ParentLink;
}

/**
 * Which ended workflows `purgeWorkflows` deletes: of `status` (an ended one), last changed before
 * `endedBefore`, at most `limit` of them.
 */
export interface WorkflowPurge {
  status: WorkflowStatus;
  endedBefore: number;
  limit: number;
}

/** A compensating run's change of status (`recordCompensationStatus`). */
export interface CompensationStatusChange {
  /** `compensating` keeps the lease; `cancelled` or `aborted` end the workflow and let it go. */
  status: 'compensating' | 'cancelled' | 'aborted';
  /** Stored as the workflow's error when given (a compensation that gave up, the failure). */
  error?: WorkflowError;
  now: number;
}
