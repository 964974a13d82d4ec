import { InvalidOptionsError } from '../errors/invalid-options.error';
import { messages } from '../lidex.messages';
import {
  OBSERVABILITY_DEFAULTS,
  type ObservabilityOptions,
  type ResolvedObservability,
  resolveObservability,
} from './observability-options';
import {
  type ResolvedRetryPolicy,
  resolveModulePolicy,
  STEP_RETRY_DEFAULTS,
  type StepRetryPolicy,
} from './step-policy';
import {
  RETENTION_DEFAULTS,
  type ResolvedRetention,
  resolveRetention,
  type RetentionOptions,
} from './retention/retention-options';
import { type PayloadCodec, requireCodec } from './payloads/payload-codec';

/** How the engine runs workflows. Every option has its default in `ENGINE_DEFAULTS`. */
export interface EngineOptions {
  /**
   * Failures after which a workflow is `aborted` instead of retried.
   * @default 3
   */
  maxFailures?: number;
  /**
   * How long a claim lasts without renewal. A live worker renews it while the workflow runs;
   * when an owner goes silent (crash, freeze, partition) another instance takes the workflow
   * over this long after its last renewal.
   * @default 60000
   */
  timeoutIntervalMs?: number;
  /**
   * Pause between polls when the last poll found nothing to run.
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * How long after its first failure the workflow is tried again: the first interval of the
   * backoff between a workflow's attempts (see `retryBackoffCoefficient`).
   * @default 60000
   */
  retryIntervalMs?: number;
  /**
   * Each interval between a workflow's attempts is the one before times this; 1 keeps every
   * interval at `retryIntervalMs`.
   * @default 2
   */
  retryBackoffCoefficient?: number;
  /**
   * The longest interval between a workflow's attempts.
   * @default 3600000 (an hour), or `retryIntervalMs` when that is longer
   */
  maxRetryIntervalMs?: number;
  /**
   * The retry policy of every step, under what a step's own `retry` option says. With the
   * default (`attempts: 1`) a step that throws is not retried: its error goes to the workflow.
   * @default { attempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 600000, jitter: 0 }
   */
  stepRetry?: StepRetryPolicy;
  /**
   * How many workflows one instance runs at once.
   * @default 10
   */
  concurrency?: number;
  /**
   * Sleeps up to this long stay in memory; longer ones release the workflow, which is claimed
   * again when it is due, so sleeping workflows hold no memory or timers.
   * @default 5000
   */
  sleepInMemoryMaxMs?: number;
  /**
   * On shutdown, how long running workflows get to reach their next durable point.
   * @default 10000
   */
  shutdownGraceMs?: number;
  /** Lifecycle events' payloads and OpenTelemetry (`observability-options.ts`). */
  observability?: ObservabilityOptions;
  /**
   * How long ended workflows are kept, per status (`{ finished: '30d', aborted: '90d' }`);
   * workers delete older ones in small batches. A status not given is kept for ever.
   * @default {} (everything is kept)
   */
  retention?: RetentionOptions;
  /**
   * Encodes every value stored from user code (inputs, step results, signal payloads, results)
   * before the store sees it, and decodes it when read: `aesGcmCodec({ keys, current })`
   * encrypts them, or pass a `PayloadCodec` of your own. Every process that reads the
   * workflows needs the same codec (and keys); a dashboard without them shows values as
   * `encrypted (key k1)`.
   * @default undefined (values are stored as JSON text)
   */
  codec?: PayloadCodec;
}

export type ResolvedEngineOptions = Required<
  Omit<EngineOptions, 'stepRetry' | 'observability' | 'retention' | 'codec'>
> & {
  codec: PayloadCodec | null;
  stepRetry: ResolvedRetryPolicy;
  observability: ResolvedObservability;
  retention: ResolvedRetention;
};

/** The longest interval between a workflow's attempts unless given: an hour. */
const DEFAULT_MAX_RETRY_INTERVAL_MS = 60 * 60 * 1000;

export const ENGINE_DEFAULTS: ResolvedEngineOptions = {
  maxFailures: 3,
  timeoutIntervalMs: 60_000,
  pollIntervalMs: 1_000,
  retryIntervalMs: 60_000,
  retryBackoffCoefficient: 2,
  maxRetryIntervalMs: DEFAULT_MAX_RETRY_INTERVAL_MS,
  stepRetry: STEP_RETRY_DEFAULTS,
  concurrency: 10,
  sleepInMemoryMaxMs: 5_000,
  shutdownGraceMs: 10_000,
  observability: OBSERVABILITY_DEFAULTS,
  retention: { keep: {}, ...RETENTION_DEFAULTS },
  codec: null,
};

/** Node's timers cannot wait longer than this (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The longest lease: a year (the clock waits past Node's timer limit in parts). */
export const MAX_LEASE_MS = 365 * 24 * 60 * 60 * 1000;

/** Merges the defaults in and rejects values the engine cannot work with. */
export function resolveEngineOptions(
  options: EngineOptions = {},
): ResolvedEngineOptions {
  const resolved: ResolvedEngineOptions = { ...ENGINE_DEFAULTS };
  for (const key of Object.keys(ENGINE_DEFAULTS) as (keyof EngineOptions)[]) {
    const value = options[key];
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  resolved.stepRetry = resolveModulePolicy(options.stepRetry);
  resolved.observability = resolveObservability(options.observability);
  resolved.retention = resolveRetention(options.retention);
  requireCodec('codec', resolved.codec);
  requireInteger('maxFailures', resolved.maxFailures, 1);
  requireInteger('concurrency', resolved.concurrency, 1);
  requireDuration(
    'timeoutIntervalMs',
    resolved.timeoutIntervalMs,
    1,
    MAX_LEASE_MS,
  );
  requireDuration('pollIntervalMs', resolved.pollIntervalMs, 1, MAX_TIMER_MS);
  requireDuration(
    'retryIntervalMs',
    resolved.retryIntervalMs,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  if (
    typeof resolved.retryBackoffCoefficient !== 'number' ||
    !(
      resolved.retryBackoffCoefficient >= 1 &&
      resolved.retryBackoffCoefficient <= 100
    )
  )
    throw new InvalidOptionsError(
      'retryBackoffCoefficient',
      resolved.retryBackoffCoefficient,
      'a number from 1 to 100',
    );
  if (options.maxRetryIntervalMs === undefined)
    resolved.maxRetryIntervalMs = Math.max(
      DEFAULT_MAX_RETRY_INTERVAL_MS,
      resolved.retryIntervalMs,
    );
  requireDuration(
    'maxRetryIntervalMs',
    resolved.maxRetryIntervalMs,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  if (resolved.maxRetryIntervalMs < resolved.retryIntervalMs)
    throw new InvalidOptionsError(
      'maxRetryIntervalMs',
      resolved.maxRetryIntervalMs,
      messages.invalidRetryBackoff(
        resolved.maxRetryIntervalMs,
        resolved.retryIntervalMs,
      ),
    );
  requireDuration(
    'sleepInMemoryMaxMs',
    resolved.sleepInMemoryMaxMs,
    0,
    MAX_TIMER_MS,
  );
  requireDuration('shutdownGraceMs', resolved.shutdownGraceMs, 0, MAX_TIMER_MS);
  return resolved;
}

function requireInteger(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionsError(option, value, `an integer >= ${min}`);
  }
}

function requireDuration(
  option: string,
  value: unknown,
  min: number,
  max: number,
): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max
  ) {
    throw new InvalidOptionsError(
      option,
      value,
      `a number of milliseconds from ${min} to ${max}`,
    );
  }
}

/** The interval after a workflow's `failures`th failure (from 1), on the backoff. */
export function workflowRetryIntervalMs(
  options: Pick<
    ResolvedEngineOptions,
    'retryIntervalMs' | 'retryBackoffCoefficient' | 'maxRetryIntervalMs'
  >,
  failures: number,
): number {
  return Math.min(
    options.maxRetryIntervalMs,
    options.retryIntervalMs *
      options.retryBackoffCoefficient ** Math.max(0, failures - 1),
  );
}
