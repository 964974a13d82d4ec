/** The life of a workflow, as in the original Lidex. */
export type WorkflowStatus =
  'idle' | 'running' | 'failed' | 'finished' | 'aborted';

export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'idle',
  'running',
  'failed',
  'finished',
  'aborted',
];

/** What a workflow receives as its first argument. */
export interface WorkflowContext {
  /** The id this workflow was started with. */
  readonly workflowId: string;
  /** The workflow's name, as given to `@Workflow()`. */
  readonly workflowName: string;
  /**
   * Runs `fn` and records its result. When the workflow is replayed after a crash or a retry,
   * a recorded step returns the stored result without running `fn` again. `fn` runs at least
   * once; its result is recorded exactly once. The result must be plain data (see the README).
   */
  step<T>(id: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * Sleeps durably: the wake-up time is stored first, so a restart does not shorten or restart
   * the sleep. Long sleeps release the workflow from memory until it is due.
   */
  sleep(id: string, ms: number): Promise<void>;
  /** Starts another, independent workflow. Idempotent: `false` when the id already exists. */
  start<I>(id: string, name: string, input: I): Promise<boolean>;
}

/** A workflow implementation: `(ctx, input) => result`. */
// `any` by default so that handlers with typed inputs fit a map of handlers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkflowHandler<I = any, R = any> = (
  ctx: WorkflowContext,
  input: I,
) => Promise<R>;

/** An error as stored with a failed workflow. */
export interface WorkflowError {
  name: string;
  message: string;
  stack?: string;
}

/** One recorded step or sleep, decoded. */
export interface StepInfo {
  kind: 'step' | 'sleep';
  id: string;
  /** The step's result (steps only). */
  result?: unknown;
  /** When the sleep ends (sleeps only). */
  wakeAt?: Date;
  recordedAt: Date;
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
  /** How many times the workflow has failed. */
  failures: number;
  /** When the workflow may next be claimed (idle, sleeping, leased or waiting for a retry). */
  readyAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  steps: StepInfo[];
}

/** Options of `wait(id, options)`. */
export interface WaitOptions {
  /**
   * The statuses to wait for.
   * @default ['finished', 'aborted']
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

/** Where the engine writes what it does. The Nest layer passes Nest's `Logger`. */
export interface LidexLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug?(message: string): void;
}
