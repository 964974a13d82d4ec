import { byId } from './mongo.documents';
import type { MongoFlowControl } from './mongo.flow-control';
import type { FlowDocument } from './mongo.flow-documents';

/** Leases and checked slots remembered at most (a checked one forgotten is looked up again). */
export const MAX_VERIFIED = 10_000;

/**
 * Whether any of a scope's slots, as read, could be stale: older than a lease and not found
 * held by a leased workflow in the last lease. A scope whose slots are all younger needs no
 * recovery (no round trip): a claim under way, or a lease that cannot have lapsed.
 */
export function mayBeStale(
  control: MongoFlowControl,
  docs: Iterable<FlowDocument>,
  now: number,
  staleAfterMs: number,
): boolean {
  for (const doc of docs) {
    if (doc.at > now - staleAfterMs) continue;
    const checked = control.verified.get(`${doc._id} ${doc.leaseToken}`);
    if ((checked ?? -Infinity) <= now - staleAfterMs) return true;
  }
  return false;
}

/**
 * Recovery of the slots a lease left behind (its process died before deleting them; see
 * `mongo.flow-control.ts`): reads the scope's slots and deletes those whose lease is gone, older
 * than a lease (a claim under way is younger) and their workflow not leased. A slot found held
 * by a leased workflow is remembered as checked for a lease's time. Each is deleted by the
 * `_id` of the holding read (with its workflow and lease token), which no later holding of the
 * same slot has: two recoveries and the owner deleting one slot at once delete that holding
 * only. Answers the scope's slots left, by number.
 */
export async function recoverStale(
  control: MongoFlowControl,
  scope: string,
  now: number,
  staleAfterMs: number,
): Promise<Map<number, FlowDocument>> {
  const { flow, workflows, verified } = control;
  const docs = await flow.find({ kind: 'slot', scope }).toArray();
  const slots = new Map(docs.map((doc) => [doc.n!, doc]));
  for (const doc of docs) {
    if (doc.at > now - staleAfterMs) continue;
    const key = `${doc._id} ${doc.leaseToken}`;
    if ((verified.get(key) ?? -Infinity) > now - staleAfterMs) continue;
    const workflow = await workflows.findOne(byId(doc.workflowId!), {
      projection: { leaseToken: 1 },
    });
    if (workflow?.leaseToken !== undefined) {
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(key, now);
      continue;
    }
    verified.delete(key);
    await flow.deleteOne({
      _id: doc._id,
      workflowId: doc.workflowId,
      leaseToken: doc.leaseToken,
    });
    slots.delete(doc.n!);
  }
  return slots;
}
