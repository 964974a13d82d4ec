import type {
  Storable,
  WorkflowInput,
  WorkflowRef,
  WorkflowResult,
  WorkflowStartArgs,
} from './workflow-ref';
import type { WorkflowError, WorkflowStatus } from '../model';
import type { StepAttempt, StepOptions } from './step-policy';

export {
  TERMINAL_STATUSES,
  WORKFLOW_STATUSES,
  type WorkflowCounts,
  type WorkflowError,
  type WorkflowStatus,
} from '../model';
/** What a workflow receives as its first argument. */
export interface WorkflowContext {
  /** The id this workflow was started with. */
  readonly workflowId: string;
  /** The workflow's name, as given to `@Workflow()`. */
  readonly workflowName: string;
  /**
   * The version of the workflow's code this run started on (`@Workflow(name, { version })`,
   * 1 by default): branch on it to keep the path of runs that started on older code.
   * It never changes during a workflow's life, whichever version of the app replays it.
   */
  readonly version: number;
  /**
   * Runs `fn` and records its result. When the workflow is replayed after a crash or a retry,
   * a recorded step returns the stored result without running `fn` again. `fn` runs at least
   * once; its result is recorded exactly once. The result must be plain data (see the README).
   *
   * `fn` receives `{ attempt, idempotencyKey, signal }`. With `options.retry` (or the module's
   * `stepRetry`), a throwing `fn` is run again after a backoff, each failed attempt recorded;
   * when the attempts are spent (or the error is a `NonRetryableError`) the error is thrown here.
   */
  step<T>(
    id: string,
    fn: (attempt: StepAttempt) => T | Promise<T>,
    options?: StepOptions,
  ): Promise<T>;
  /**
   * Sleeps durably: the wake-up time is stored first, so a restart does not shorten or restart
   * the sleep. Long sleeps release the workflow from memory until it is due.
   */
  sleep(id: string, ms: number): Promise<void>;
  /**
   * Starts another, independent workflow, by reference (`defineWorkflow`) or by name.
   * Idempotent: `false` when the id already exists.
   */
  start<W extends WorkflowRef>(
    id: string,
    workflow: W,
    ...input: WorkflowStartArgs<WorkflowInput<W>>
  ): Promise<boolean>;
  start<I>(id: string, name: string, input: I & Storable<I>): Promise<boolean>;
  /**
   * The time, as a Date: read from the engine's clock on the workflow's first run and recorded,
   * so that a replay sees the same time. Each call is one more recorded value (one write).
   */
  now(): Promise<Date>;
  /** A random number in [0, 1) (`Math.random()`), recorded on first use like `now()`. */
  random(): Promise<number>;
  /** A random UUID (`crypto.randomUUID()`), recorded on first use like `now()`. */
  uuid(): Promise<string>;
  /**
   * Waits durably for a signal named `name` (sent by `LidexClient.signal()` or `ctx.signal()`)
   * and resolves with its payload, or with `null` once `timeoutMs` has passed first. A signal sent
   * before the wait is reached is kept for it; signals of one name are consumed in the order they
   * were sent, each by one wait, once. While it waits the workflow holds no lease, memory or timer.
   */
  waitForSignal<T = unknown>(
    id: string,
    name: string,
    options?: WaitForSignalOptions,
  ): Promise<T | null>;
  /**
   * Sends signal `name` with `payload` to workflow `workflowId`, recorded like a step under `id`:
   * a replay sends nothing again. `true` when delivered, `false` when that workflow has ended;
   * `WorkflowNotFoundError` when there is none.
   */
  signal<P>(
    id: string,
    workflowId: string,
    name: string,
    payload?: P & Storable<P>,
  ): Promise<boolean>;
  /**
   * Starts a child workflow, recorded under `id` (a replay starts nothing again), its id derived
   * from this workflow's and `id` (`<parent id>/<id>`) unless `options.workflowId` is given.
   * The handle's `result()` waits durably for the child's end: its result, or a
   * `ChildWorkflowError` when it aborted or was cancelled. Cancelling this workflow cancels the
   * child unless `options.parentClose` is `'abandon'`.
   */
  startChild<W extends WorkflowRef>(
    id: string,
    workflow: W,
    input: WorkflowInput<W>,
    options?: ChildOptions,
  ): Promise<ChildHandle<WorkflowResult<W>>>;
  startChild<R = unknown, I = unknown>(
    id: string,
    name: string,
    input: I & Storable<I>,
    options?: ChildOptions,
  ): Promise<ChildHandle<R>>;
  /** `startChild()` and then its handle's `result()`. */
  executeChild<W extends WorkflowRef>(
    id: string,
    workflow: W,
    input: WorkflowInput<W>,
    options?: ChildOptions,
  ): Promise<WorkflowResult<W>>;
  executeChild<R = unknown, I = unknown>(
    id: string,
    name: string,
    input: I & Storable<I>,
    options?: ChildOptions,
  ): Promise<R>;
}

/** Options of `ctx.startChild()` and `ctx.executeChild()`. */
export interface ChildOptions {
  /**
   * What cancelling the parent does to the child: `'cancel'` cancels it too, `'abandon'` lets it
   * run to its end.
   * @default 'cancel'
   */
  parentClose?: 'cancel' | 'abandon';
  /** The child's deadline, in ms from its start, as `start()`'s `timeoutMs`. */
  timeoutMs?: number;
  /** The child's id. @default `<parent id>/<id>` */
  workflowId?: string;
}

/** A started child workflow. */
export interface ChildHandle<R = unknown> {
  readonly workflowId: string;
  /**
   * Waits durably for the child's end (this workflow holds no lease, memory or timer meanwhile):
   * its result, or a `ChildWorkflowError` carrying its error when it aborted or was cancelled.
   */
  result(): Promise<R>;
}

/** A child as its parent's `get()` lists it. */
export interface ChildInfo {
  workflowId: string;
  name: string;
  parentClose: 'cancel' | 'abandon';
}

/** Options of `ctx.waitForSignal()`. */
export interface WaitForSignalOptions {
  /** How long to wait before resolving `null`; without it, the wait has no timeout. */
  timeoutMs?: number;
}

/** A workflow implementation: `(ctx, input) => result`. */
// `any` by default so that handlers with typed inputs fit a map of handlers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkflowHandler<I = any, R = any> = (
  ctx: WorkflowContext,
  input: I,
) => Promise<R>;

/** One attempt of a step's function: failed (with its error) or, last, the one that succeeded. */
export interface StepAttemptInfo {
  attempt: number;
  startedAt: Date;
  endedAt: Date;
  /** Why it failed; absent for the attempt that succeeded. */
  error?: WorkflowError;
  /** When the next attempt is due (a failed attempt with attempts left). */
  nextAttemptAt?: Date;
}

/** One recorded step, sleep, value of `ctx.now()`/`random()`/`uuid()` or signal record, decoded. */
export interface StepInfo {
  kind: 'step' | 'sleep' | 'value' | 'signal' | 'child';
  id: string;
  /**
   * The step's result; for a wait (`signal`), the payload it received, `null` if it timed out;
   * for a `ctx.signal()` sent, whether it was delivered.
   */
  result?: unknown;
  /**
   * Waits: the signal consumed (`seq` in `signals`); sent signals: to whom, and its name;
   * children (`child`): the child's id, and the end it sends.
   */
  signal?: { name: string; seq?: number; workflowId?: string };
  /** When the sleep ends (sleeps only). */
  wakeAt?: Date;
  /** When the step's function began (steps recorded by this version and later). */
  startedAt?: Date;
  /** When the step's result, or the sleep, was recorded. */
  recordedAt: Date;
  /** `recordedAt - startedAt` for steps; the planned length for sleeps. */
  durationMs?: number;
  /**
   * Steps that failed at least once: every attempt, in order. A step whose attempts are not
   * over (or were spent) has no `result`, and `recordedAt` is its last attempt's end.
   */
  attempts?: StepAttemptInfo[];
  /** The last attempt's error, for a step with no result yet. */
  error?: WorkflowError;
}

/** What a waiting workflow waits for (`get()`, `list()`), with its timeout if it has one. */
export type WaitingFor =
  | { kind: 'signal'; name: string; until?: Date }
  | { kind: 'child'; childId: string; until?: Date };

/** A signal a workflow received, decoded. */
export interface SignalInfo {
  /** Counts the workflow's signals from 1, in the order they arrived. */
  seq: number;
  name: string;
  payload: unknown;
  signalId: string;
  sentAt: Date;
  /** The id of the wait that consumed it, once one has. */
  consumedBy?: string;
}

/** Everything stored about a workflow, decoded. */
export interface WorkflowInfo<I = unknown, R = unknown> {
  id: string;
  name: string;
  status: WorkflowStatus;
  input: I;
  /** The value the workflow returned, once `finished`. */
  result?: R;
  /** The last failure, if any. */
  error?: WorkflowError;
  /** How many times the workflow has failed since it was started or last retried. */
  failures: number;
  /** How many times a worker has taken the workflow up (each run after a crash, sleep or retry). */
  attempts: number;
  /** The version of the workflow's code it started on (0: unknown, started by a clientOnly app). */
  version: number;
  /** When the workflow may next be claimed (idle, sleeping, leased or waiting for a retry). */
  readyAt?: Date;
  /** When a worker first claimed it: its start, as a rate limit counts it. Absent before. */
  firstClaimedAt?: Date;
  /** What it waits for, while it waits (released until a signal or its timeout). */
  waitingFor?: WaitingFor;
  createdAt: Date;
  updatedAt: Date;
  steps: StepInfo[];
  /** The signals it received, in order, each with the wait that consumed it. */
  signals: SignalInfo[];
  /** When the workflow is cancelled if it has not ended (`start()`'s `timeoutMs`), if it has one. */
  deadlineAt?: Date;
  /** The workflow that started it with `ctx.startChild()`, if one did. */
  parent?: { workflowId: string; parentClose: 'cancel' | 'abandon' };
  /** The children it started, in the order started. */
  children: ChildInfo[];
  /**
   * Once it is `compensating` (cancelled or aborted after steps with a `compensate`): each
   * compensation run so far, in the order run (the reverse of its steps). Absent before.
   */
  compensations?: CompensationInfo[];
}

/** One step's compensation (`WorkflowInfo.compensations`). */
export interface CompensationInfo {
  stepId: string;
  /** `compensated`; `failed` when its attempts were spent; `pending` while they go on. */
  status: 'compensated' | 'failed' | 'pending';
  /** Why it gave up (`failed`), or why its last attempt failed (`pending`). */
  error?: WorkflowError;
  /** When its outcome (or its last failed attempt) was recorded. */
  recordedAt: Date;
  /** Its failed attempts, in order. */
  attempts: StepAttemptInfo[];
}

/** One line of `list()`: a workflow without its input, result and steps. */
export interface WorkflowSummary {
  id: string;
  name: string;
  status: WorkflowStatus;
  failures: number;
  attempts: number;
  /** The version of the workflow's code it started on. */
  version: number;
  /** The priority it started with (`start({ priority })`), when not 0. */
  priority?: number;
  /** The key its per-key concurrency limit counts it under (`start({ concurrencyKey })`). */
  concurrencyKey?: string;
  /** The last failure, if any. */
  error?: WorkflowError;
  readyAt?: Date;
  /** What it waits for, while it waits. */
  waitingFor?: WaitingFor;
  createdAt: Date;
  updatedAt: Date;
}

/** What `list()` looks for. It returns the newest workflows first. */
export interface ListOptions {
  /** Only workflows with this status. */
  status?: WorkflowStatus;
  /** Only workflows with this name (as given to `@Workflow()`). */
  name?: string;
  /** Only workflows that started on this version of their code (an integer >= 0). */
  version?: number;
  /** Only workflows waiting now for a signal, or for a child's end. */
  waiting?: 'signal' | 'child';
  /** Only workflows of this priority (an integer; 0 includes those started without one). */
  priority?: number;
  /** Only workflows started with this `concurrencyKey` (exactly, case and all). */
  concurrencyKey?: string;
  /**
   * How many workflows per page, 1 to 500.
   * @default 50
   */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of `list()`. */
export interface WorkflowPage {
  workflows: WorkflowSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Options of `wait(id, options)`. */
export interface WaitOptions {
  /**
   * The statuses to wait for.
   * @default ['finished', 'aborted', 'cancelled']
   */
  statuses?: WorkflowStatus[];
  /**
   * How long to wait before giving up and resolving `undefined`.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * How often to look at the workflow.
   * @default 50
   */
  intervalMs?: number;
}

/** Options of `result(id, options)`. */
export interface ResultOptions {
  /**
   * How long to wait for the workflow to end before throwing `WorkflowTimeoutError` (the
   * workflow goes on).
   * @default 30000
   */
  timeoutMs?: number;
}

/** Where the engine writes what it does. The Nest layer passes Nest's `Logger`. */
export interface LidexLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug?(message: string): void;
}
