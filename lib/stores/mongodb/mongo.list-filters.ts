import type { Collection, Filter } from 'mongodb';
import type { WorkflowQuery } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import { ensureIndex } from './mongo.setup';

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

/**
 * The indexes of the lists by priority and by concurrency key, newest first (then by `_id`, the
 * cursor a range of them); a step write sets none of their fields. Servers without a query
 * planner scan anyway; MongoDB reads them.
 */
export async function ensureListIndexes(
  workflows: Collection<WorkflowDocument>,
): Promise<void> {
  // list({ priority }), alone or with the name, version or waiting filter (checked along). Not
  // sparse: a document written before priorities (no field, priority 0) is in it as null.
  await ensureIndex(
    workflows,
    'lidex_priority_newest',
    { priority: 1, createdAt: -1, _id: -1 },
    false,
  );
  // list({ status, priority }), with or without the name filter.
  await ensureIndex(
    workflows,
    'lidex_status_priority',
    { status: 1, priority: 1, createdAt: -1, _id: -1 },
    false,
  );
  // list({ concurrencyKey }) with any other filter: one key's workflows are few. Sparse: only
  // keyed workflows carry the field.
  await ensureIndex(
    workflows,
    'lidex_key_newest',
    { concurrencyKey: 1, createdAt: -1, _id: -1 },
    true,
  );
}
