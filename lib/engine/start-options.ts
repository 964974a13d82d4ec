import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import { unknownKey } from '../model/option-keys';
import { requireVersion } from './workflow-versions';
import { checkStartFlow } from './flow-limits';

/** How `start()` creates the workflow. */
export interface StartOptions {
  /**
   * The app's own transaction, in which the workflow is inserted: it then exists if and only if
   * that transaction commits. Its run never begins inside it: the workflow is inserted ready,
   * without a lease, and a worker (this one or another) claims it once the commit makes it
   * visible. Only a store that can join the app's transaction takes it (`PostgresStore`: a `pg`
   * client in a transaction, or the transaction object of the ORM the store was built from);
   * the others refuse it.
   */
  transaction?: unknown;
  /**
   * The version of the workflow's code to record (an integer >= 1), for an instance that does
   * not run this workflow (`clientOnly`) and knows which version the workers run. Only workers
   * of this version or newer claim it. Without it: the version this instance runs, or, when it
   * runs none, unknown (0): any worker claims it, and `ctx.version` is that worker's version.
   */
  version?: number;
  /**
   * Claimed before ready workflows of a lower priority (an integer, higher first; default 0).
   * One claim in ten takes the oldest ready workflows whatever their priority, so a low
   * priority is never starved.
   */
  priority?: number;
  /**
   * The key the workflow's per-key concurrency limit (`@Workflow(name, { concurrency:
   * { perKey } })`) counts it under: a customer id, for one at a time per customer.
   */
  concurrencyKey?: string;
  /**
   * The workflow's deadline, in ms from now: a workflow that has not ended by then is stopped at
   * its next durable point (its claim, its next step, the end of a sleep, its return) and ended
   * `cancelled`, its error a `DeadlineExceededError` ("deadline exceeded"). Sleeps and retries
   * are cut short to end it on time. No deadline when absent.
   */
  timeoutMs?: number;
}

/** `start()`'s arguments after the workflow: its input (optional when it may be undefined), options. */
export type StartArgs<I> = undefined extends I
  ? [input?: I, options?: StartOptions]
  : [input: I, options?: StartOptions];

const KNOWN_KEYS = [
  'transaction',
  'version',
  'priority',
  'concurrencyKey',
  'timeoutMs',
] as const satisfies readonly (keyof StartOptions)[];

/** Checks `start()`'s options, throwing the error that names what is wrong. */
export function checkStartOptions(options: unknown): StartOptions {
  if (options === undefined) return {};
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options)
  ) {
    throw new InvalidArgumentError(messages.startOptionsInvalid(options));
  }
  const unknown = unknownKey('start() options', options, KNOWN_KEYS);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  checkStartFlow(options);
  const { version } = options as StartOptions;
  if (version !== undefined)
    requireVersion('start() option "version"', version);
  const { timeoutMs } = options as StartOptions;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' ||
      !Number.isFinite(timeoutMs) ||
      timeoutMs <= 0)
  ) {
    throw new InvalidArgumentError(messages.startTimeoutInvalid(timeoutMs));
  }
  return options;
}
