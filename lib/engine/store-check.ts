import { InvalidOptionsError } from '../errors/invalid-options.error';
import { messages } from '../lidex.messages';
import type { Persistence } from '../stores/persistence';

/** Every method a store must have; `hasForeignWrites` is optional. */
const PERSISTENCE_METHODS = [
  'init',
  'close',
  'describe',
  'insertWorkflow',
  'claimReady',
  'renewLease',
  'recordStep',
  'releaseLease',
  'recordFinish',
  'recordFailure',
  'getWorkflow',
  'listWorkflows',
  'countWorkflows',
  'cancelWorkflow',
  'retryWorkflow',
  'sendSignal',
] as const satisfies readonly (keyof Persistence)[];

/** The required methods of `Persistence`, so that the list above cannot fall behind it. */
type RequiredMethod = {
  [K in keyof Persistence]-?: undefined extends Persistence[K]
    ? never
    : Persistence[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof Persistence];
const listsEveryMethod: Exclude<
  RequiredMethod,
  (typeof PERSISTENCE_METHODS)[number]
> extends never
  ? true
  : never = true;
void listsEveryMethod;

/**
 * Refuses a value that is not a store, listing the methods it lacks: without this, `{}` fails
 * later with "store.init is not a function".
 */
export function requireStore(
  option: string,
  value: unknown,
): asserts value is Persistence {
  const methods =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : {};
  const missing = PERSISTENCE_METHODS.filter(
    (method) => typeof methods[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new InvalidOptionsError(option, value, messages.notAStore(missing));
  }
}
