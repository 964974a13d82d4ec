import type { Collection } from 'mongodb';
import type { WorkflowDocument } from './mongo.documents';

/** Creates the workflows collection's indexes, unless they are there. */
export async function ensureWorkflowIndexes(
  workflows: Collection<WorkflowDocument>,
): Promise<void> {
  // Only workflows that can still run carry `readyAt`, so the sparse index holds just those:
  // claiming costs the same however many finished workflows the collection keeps.
  await ensureIndex(workflows, 'lidex_ready', { readyAt: 1 }, true);
  // The lease-fenced writes' filter, `{ _id, leaseToken }`, as an index of exactly its keys:
  // servers without a query planner (mongo-java-server) use an index only for such a filter.
  // Unique, as `_id` alone is; MongoDB itself serves that filter from the `_id` index anyway.
  await ensureIndex(
    workflows,
    'lidex_lease',
    { _id: 1, leaseToken: 1 },
    false,
    true,
  );
  // Listing, newest first, by status or by name.
  await ensureIndex(
    workflows,
    'lidex_newest',
    { createdAt: -1, _id: -1 },
    false,
  );
  await ensureIndex(
    workflows,
    'lidex_status',
    { status: 1, createdAt: -1, _id: -1 },
    false,
  );
  await ensureIndex(
    workflows,
    'lidex_name',
    { name: 1, createdAt: -1, _id: -1 },
    false,
  );
  // Listing the waiting workflows: only those carry `waitingKind`.
  await ensureIndex(
    workflows,
    'lidex_waiting',
    { waitingKind: 1, createdAt: -1, _id: -1 },
    true,
  );
}

/** Creates an index unless it is there: a user without index rights can create it ahead. */
export async function ensureIndex<T extends object>(
  collection: Collection<T>,
  name: string,
  keys: Record<string, 1 | -1>,
  sparse: boolean,
  unique = false,
): Promise<void> {
  const existing: { name?: unknown }[] = await collection
    .listIndexes()
    .toArray()
    .catch(() => []);
  if (existing.some((index) => index.name === name)) return;
  await collection.createIndex(keys, { name, sparse, unique });
}

/** The database named in a connection string's path, if any. */
export function databaseInUrl(url: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
