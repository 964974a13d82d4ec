import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownOptionError } from '../errors/unknown-option.error';
import { messages } from '../lidex.messages';
import { unknownKey } from '../model/option-keys';

/** How a step is retried when its function throws. Every field has a default. */
export interface StepRetryPolicy {
  /**
   * How many times the function may run in all (1: no retry).
   * @default 1
   */
  attempts?: number;
  /**
   * The wait before the second attempt.
   * @default 1000
   */
  initialIntervalMs?: number;
  /**
   * Each wait is the one before times this (1: the same wait every time).
   * @default 2
   */
  backoffCoefficient?: number;
  /**
   * The longest wait between two attempts.
   * @default 600000 (10 minutes)
   */
  maxIntervalMs?: number;
  /**
   * Spread of each wait, 0 to 1: a wait of `w` becomes one between `w * (1 - jitter)` and
   * `w * (1 + jitter)` (never past `maxIntervalMs`), so that many workflows failing together
   * do not all retry at the same moment.
   * @default 0
   */
  jitter?: number;
  /**
   * Whether an error may be retried; `false` hands it to the workflow at once. A
   * `NonRetryableError` is never retried, whatever this answers.
   * @default every error but a NonRetryableError
   */
  retryIf?: (error: unknown) => boolean;
}

export type ResolvedRetryPolicy = Required<Omit<StepRetryPolicy, 'retryIf'>> &
  Pick<StepRetryPolicy, 'retryIf'>;

/** The third argument of `ctx.step(id, fn, options)`. */
export interface StepOptions {
  /** How the step is retried; fields not given come from the module's `stepRetry`. */
  retry?: StepRetryPolicy;
  /**
   * How long one attempt may run: past it, the attempt's `signal` is aborted and the attempt
   * fails with a `StepTimeoutError` (retried when the policy allows).
   * @default no limit
   */
  timeoutMs?: number;
  /**
   * Undoes the step (a refund for a capture): when the workflow is cancelled (`cancel`, not
   * `terminate`) or aborted after this step recorded its result, the compensations of its
   * recorded steps run in reverse order, each recorded, each retried under the step's policy.
   * Receives the step's result and its own attempt (its own idempotency key).
   */
  // `any` so that a compensation typed for the step's result fits every step.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  compensate?: (result: any, attempt: StepAttempt) => unknown;
}

/** What a step's function receives. */
export interface StepAttempt {
  /** This run of the function: 1 the first time, counting every attempt the step has had. */
  readonly attempt: number;
  /**
   * A key the same on every attempt and every replay of this step of this workflow (a UUID
   * derived from the workflow id and the step id): pass it to an external API as its
   * idempotency key, so that a retried call is applied once.
   */
  readonly idempotencyKey: string;
  /**
   * Aborted when the attempt runs past `timeoutMs`, or when the run must stop (its lease was
   * lost, the app is shutting down, the workflow was cancelled): pass it to `fetch` and the
   * like, so that the work stops too.
   */
  readonly signal: AbortSignal;
}

export const STEP_RETRY_DEFAULTS: ResolvedRetryPolicy = {
  attempts: 1,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 10 * 60 * 1000,
  jitter: 0,
};

const POLICY_KEYS = [
  ...Object.keys(STEP_RETRY_DEFAULTS),
  'retryIf',
] as readonly string[];
const STEP_OPTION_KEYS: readonly (keyof StepOptions)[] = [
  'retry',
  'timeoutMs',
  'compensate',
];
/** The longest wait between attempts, and the longest timeout: a year. */
const MAX_STEP_MS = 365 * 24 * 60 * 60 * 1000;

/** How a value is wrong, or `undefined` when it is right. */
type Check = (value: unknown) => string | undefined;

const CHECKS: Record<keyof StepRetryPolicy, Check> = {
  attempts: (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1_000
      ? undefined
      : 'an integer from 1 to 1000',
  initialIntervalMs: ms(0),
  maxIntervalMs: ms(0),
  backoffCoefficient: (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= 100
      ? undefined
      : 'a number from 1 to 100',
  jitter: (v) =>
    typeof v === 'number' && v >= 0 && v <= 1
      ? undefined
      : 'a number from 0 to 1',
  retryIf: (v) => (typeof v === 'function' ? undefined : 'a function'),
};

function ms(min: number): Check {
  return (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= MAX_STEP_MS
      ? undefined
      : `a number of milliseconds from ${min} to ${MAX_STEP_MS}`;
}

/** The module's `stepRetry`, over the defaults; refuses unknown keys and bad values. */
export function resolveModulePolicy(policy: unknown): ResolvedRetryPolicy {
  if (policy === undefined) return STEP_RETRY_DEFAULTS;
  if (typeof policy !== 'object' || policy === null)
    throw new InvalidOptionsError('stepRetry', policy, 'an object');
  const unknown = unknownKey('stepRetry', policy, POLICY_KEYS);
  if (unknown)
    throw new UnknownOptionError(`stepRetry.${unknown.key}`, unknown.message);
  return merge(
    STEP_RETRY_DEFAULTS,
    policy,
    'stepRetry',
    (key, value, expected) => {
      throw new InvalidOptionsError(`stepRetry.${key}`, value, expected);
    },
  );
}

/** A step's options with the module's policy under them; refuses what the engine cannot use. */
export function resolveStepOptions(
  where: string,
  options: unknown,
  modulePolicy: ResolvedRetryPolicy,
): { retry: ResolvedRetryPolicy; timeoutMs?: number } {
  if (options === undefined) return { retry: modulePolicy };
  const refuse = (option: string, value: unknown, expected: string): never => {
    throw new InvalidArgumentError(
      messages.invalidStepOption(where, option, value, expected),
    );
  };
  if (typeof options !== 'object' || options === null)
    return refuse('options', options, 'an object such as { retry, timeoutMs }');
  const unknown = unknownKey(where, options, STEP_OPTION_KEYS);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  const { retry, timeoutMs, compensate } = options as StepOptions;
  if (compensate !== undefined && typeof compensate !== 'function')
    refuse('compensate', compensate, 'a function (result, attempt) => ...');
  if (timeoutMs !== undefined) {
    const wrong = ms(1)(timeoutMs);
    if (wrong) refuse('timeoutMs', timeoutMs, wrong);
  }
  if (retry === undefined) return { retry: modulePolicy, timeoutMs };
  if (typeof retry !== 'object' || retry === null)
    return refuse('retry', retry, 'an object such as { attempts: 3 }');
  return {
    retry: merge(
      modulePolicy,
      retry,
      `${where} retry`,
      (key, value, expected) => refuse(`retry.${key}`, value, expected),
    ),
    timeoutMs,
  };
}

function merge(
  base: ResolvedRetryPolicy,
  given: object,
  where: string,
  refuse: (key: string, value: unknown, expected: string) => never,
): ResolvedRetryPolicy {
  const unknown = unknownKey(where, given, POLICY_KEYS);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  const merged = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const wrong = CHECKS[key as keyof StepRetryPolicy](value);
    if (wrong) refuse(key, value, wrong);
    merged[key] = value;
  }
  return merged as ResolvedRetryPolicy;
}

/** The wait after the `n`th failed attempt of a round (n from 1). */
export function backoffMs(
  policy: ResolvedRetryPolicy,
  n: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxIntervalMs,
    policy.initialIntervalMs * policy.backoffCoefficient ** (n - 1),
  );
  const spread = policy.jitter * (2 * random() - 1);
  return Math.round(
    Math.min(policy.maxIntervalMs, Math.max(0, base * (1 + spread))),
  );
}

/** A UUID-shaped key derived from the workflow id and the step id (SHA-256, version 8). */
export function idempotencyKey(workflowId: string, stepId: string): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(['lidex-step', workflowId, stepId]))
    .digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
