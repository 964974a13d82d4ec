import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { WorkflowQuery } from '../stores/persistence';
import {
  isConcurrencyKey,
  isPriority,
  MAX_CONCURRENCY_KEY_LENGTH,
  MAX_PRIORITY,
} from './flow-limits';
import type { ListOptions } from './types';

/**
 * Checks `list()`'s `priority` and `concurrencyKey` by `start()`'s rules and returns them as the
 * store query's.
 */
export function toFlowFilters(
  options: Pick<ListOptions, 'priority' | 'concurrencyKey'>,
): Pick<WorkflowQuery, 'priority' | 'concurrencyKey'> {
  const { priority, concurrencyKey } = options;
  if (priority !== undefined && !isPriority(priority))
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'priority',
        priority,
        `an integer between -${MAX_PRIORITY} and ${MAX_PRIORITY}`,
      ),
    );
  if (concurrencyKey !== undefined && !isConcurrencyKey(concurrencyKey))
    throw new InvalidArgumentError(
      messages.invalidListOption(
        'concurrencyKey',
        concurrencyKey,
        `a non-empty string of at most ${MAX_CONCURRENCY_KEY_LENGTH} characters`,
      ),
    );
  return {
    ...(priority === undefined ? {} : { priority }),
    ...(concurrencyKey === undefined ? {} : { concurrencyKey }),
  };
}
