import { InvalidOptionsError } from '../errors/invalid-options.error';

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
   * How long after a failure the workflow is tried again.
   * @default 60000
   */
  retryIntervalMs?: number;
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
}

export type ResolvedEngineOptions = Required<EngineOptions>;

export const ENGINE_DEFAULTS: ResolvedEngineOptions = {
  maxFailures: 3,
  timeoutIntervalMs: 60_000,
  pollIntervalMs: 1_000,
  retryIntervalMs: 60_000,
  concurrency: 10,
  sleepInMemoryMaxMs: 5_000,
  shutdownGraceMs: 10_000,
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
    if (value !== undefined) resolved[key] = value;
  }
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
