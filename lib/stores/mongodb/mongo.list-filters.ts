import type { Filter } from 'mongodb';
import type { WorkflowQuery } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';

/**
 * The list's filters by priority and concurrency key, as conditions to add to its `$and`. A
 * document written before priorities has no `priority` field: it is priority 0, as the claim
 * reads it.
 */
export function flowListFilters(
  query: Pick<WorkflowQuery, 'priority' | 'concurrencyKey'>,
): Filter<WorkflowDocument>[] {
  const filters: Filter<WorkflowDocument>[] = [];
  if (query.priority !== undefined)
    filters.push(
      query.priority === 0
        ? { $or: [{ priority: { $eq: 0 } }, { priority: { $exists: false } }] }
        : { priority: { $eq: query.priority } },
    );
  if (query.concurrencyKey !== undefined)
    filters.push({ concurrencyKey: { $eq: query.concurrencyKey } });
  return filters;
}
