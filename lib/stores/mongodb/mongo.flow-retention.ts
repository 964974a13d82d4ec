import type { Collection, Filter } from 'mongodb';
import type { FlowDocument } from './mongo.flow-documents';

/**
 * The rate-limit starts of purged workflows (`mongo.flow-starts.ts`), deleted with them. A claim
 * sweeps a scope's old starts only once that scope has many, so a key no longer claimed (a rate
 * per customer) kept its starts for good. Deleted here: the starts of these workflows past their
 * `expiresAt` (no count can need them), except the highest number of each scope, which is kept
 * so that the next start is numbered after it: two claims racing for a start must try the same
 * number, and a claim that read the scope before the delete goes on from that number. The
 * highest start of a scope is never deleted, as nothing is numbered after it when it is checked
 * (numbers only grow), so each scope keeps at least one document.
 */
export async function deleteStartsOf(
  flow: Collection<FlowDocument>,
  workflowIds: readonly string[],
  before: number,
): Promise<void> {
  if (workflowIds.length === 0) return;
  const expired = await flow
    .find(
      {
        workflowId: { $in: [...workflowIds] },
        kind: { $in: ['start', 'key-start'] },
        expiresAt: { $lt: before },
      },
      { projection: { _id: 1, kind: 1, name: 1, scope: 1, seq: 1 } },
    )
    .toArray();
  if (expired.length === 0) return;
  const highest = new Map<string, FlowDocument>();
  for (const doc of expired) {
    const scope = scopeKey(doc);
    if ((highest.get(scope)?.seq ?? -1) < doc.seq!) highest.set(scope, doc);
  }
  const kept = new Set<string>();
  await Promise.all(
    [...highest.values()].map(async (doc) => {
      const after = await flow.findOne(
        { ...scopeFilter(doc), seq: { $gt: doc.seq! } },
        { projection: { _id: 1 } },
      );
      if (!after) kept.add(doc._id);
    }),
  );
  const doomed = expired.map((doc) => doc._id).filter((id) => !kept.has(id));
  if (doomed.length > 0) await flow.deleteMany({ _id: { $in: doomed } });
}

/** The starts of the same scope: a name's (`start`), or a name and key's (`key-start`). */
const scopeFilter = (doc: FlowDocument): Filter<FlowDocument> =>
  doc.kind === 'start'
    ? { kind: 'start', name: doc.name }
    : { kind: 'key-start', scope: doc.scope };

const scopeKey = (doc: FlowDocument): string =>
  doc.kind === 'start' ? `start:${doc.name}` : `key-start:${doc.scope}`;
