/**
 * The lifecycle events of workflows, as the engine tells them (`engine.events`,
 * `LidexClient.events$`) and publishes them on `node:diagnostics_channel` (`LIDEX_CHANNELS`).
 * Every event names its workflow and when it happened (`at`, ms since the epoch on the engine's
 * clock); none carries user data unless the engine was built with
 * `observability: { eventPayloads: true }` (then `payload`, decoded).
 */

interface IdBase {
  workflowId: string;
  /** When it happened: ms since the epoch, on the engine's clock. */
  at: number;
}

interface EventBase extends IdBase {
  workflowName: string;
}

interface StepBase extends EventBase {
  stepId: string;
  /** The attempt of the step, from 1. */
  attempt: number;
}

/** An error as events carry it: its name and message, never its stack. */
export interface EventError {
  name: string;
  message: string;
}

export interface LidexEventMap {
  /** Inserted by `start()` (not when the id existed). */
  started: EventBase & { version: number; payload?: unknown };
  /** A worker took the lease and runs it from its recorded steps. */
  claimed: EventBase & { version: number };
  /** A step's result was recorded. `durationMs`: its successful attempt's time. */
  'step-recorded': StepBase & {
    startedAt: number;
    durationMs: number;
    payload?: unknown;
  };
  /** An attempt of a step threw; `retryAt` when another attempt is due, absent when spent. */
  'step-failed': StepBase & {
    startedAt: number;
    durationMs: number;
    error: EventError;
    retryAt?: number;
  };
  /** A step's next attempt begins (attempt 2 and later). */
  'step-retried': StepBase;
  /** A sleep was recorded; the workflow wakes at `wakeAt`. */
  slept: EventBase & { stepId: string; wakeAt: number };
  /** The workflow waits for a signal (released, holding no lease). */
  waiting: EventBase & { stepId: string; signal: string; timeoutAt?: number };
  /** A signal was stored for the workflow (no `workflowName`: the sender need not know it). */
  signalled: IdBase & {
    signal: string;
    signalId: string;
    payload?: unknown;
  };
  /** Finished; `durationMs` since this run's claim. */
  finished: EventBase & { durationMs: number; payload?: unknown };
  /** Failed, to be tried again at `retryAt`. */
  failed: EventBase & {
    error: EventError;
    failures: number;
    retryAt: number;
  };
  /** Failed for good (its failures spent, or an error that cannot succeed on retry). */
  aborted: EventBase & { error: EventError; failures: number };
  /**
   * Cancelled by `cancel()`, or ended by `terminate()` (`terminated: true`: its compensations do
   * not run). No `workflowName`: neither reads it.
   */
  cancelled: IdBase & { terminated?: true };
  /** A compensation ran for a step (emitted by the compensation stage). */
  compensated: EventBase & { stepId: string; error?: EventError };
  /** This run's lease was refused by the store: another owner, or the workflow ended. */
  'lease-lost': EventBase;
}

export type LidexEventType = keyof LidexEventMap;

/** One lifecycle event: `type` tells which, and which fields it has. */
export type LidexEvent = {
  [T in LidexEventType]: { type: T } & LidexEventMap[T];
}[LidexEventType];

/** The `node:diagnostics_channel` name each event is published on. */
export const LIDEX_CHANNELS = {
  started: 'lidex:workflow:started',
  claimed: 'lidex:workflow:claimed',
  'step-recorded': 'lidex:step:recorded',
  'step-failed': 'lidex:step:failed',
  'step-retried': 'lidex:step:retried',
  slept: 'lidex:workflow:slept',
  waiting: 'lidex:workflow:waiting',
  signalled: 'lidex:workflow:signalled',
  finished: 'lidex:workflow:finished',
  failed: 'lidex:workflow:failed',
  aborted: 'lidex:workflow:aborted',
  cancelled: 'lidex:workflow:cancelled',
  compensated: 'lidex:workflow:compensated',
  'lease-lost': 'lidex:workflow:lease-lost',
} as const satisfies Record<LidexEventType, string>;

/** An error reduced to what events carry. */
export function eventError(error: {
  name?: string;
  message: string;
}): EventError {
  return { name: error.name ?? 'Error', message: error.message };
}
