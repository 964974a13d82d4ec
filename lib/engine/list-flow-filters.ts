import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { WorkflowQuery } from '../stores/persistence';
import type { ListOptions } from './types';

/** As `start()` takes them (`checkStartFlow`). */
const MAX_PRIORITY = 1_000_000;
const MAX_KEY_LENGTH = 256;

/** Checks `list()`'s `priority` and `concurrencyKey` and returns them as the store query's. */
export function toFlowFilters(
  options: Pick<ListOptions, 'priority' | 'concurrencyKey'>,
): Pick<WorkflowQuery, 'priority' | 'concurrencyKey'> {
  const { priority, concurrencyKey } = options;
  if (
    priority !== undefined &&
    (typeof priority !== 'number' ||
      !Number.isInteger(priority) ||
      Math.abs(priority) > MAX_PRIORITY)
  )
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'priority',
        priority,
        `an integer between -${MAX_PRIORITY} and ${MAX_PRIORITY}`,
      ),
    );
  if (
    concurrencyKey !== undefined &&
    (typeof concurrencyKey !== 'string' ||
      concurrencyKey.length === 0 ||
      concurrencyKey.length > MAX_KEY_LENGTH)
  )
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'concurrencyKey',
        concurrencyKey,
        `a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      ),
    );
  return {
    ...(priority === undefined ? {} : { priority }),
    ...(concurrencyKey === undefined ? {} : { concurrencyKey }),
  };
}
