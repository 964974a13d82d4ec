import type { Collection } from 'mongodb';
import type { WorkflowDocument } from './mongo.documents';
import type { FlowDocument } from './mongo.flow-control';
import { isDuplicateKey } from './mongo.errors';
import { ensureIndex } from './mongo.setup';

/** The marker of the one-time upgrade that gave runnable documents from before a priority. */
const PRIORITY_UPGRADE = 'upgrade:priority';

/**
 * The claim's order by priority (`lidex_priority_ready`), the flow collection's lookups of a
 * lease's slots, one holding per slot (`lidex_flow_slot`), the rate limits' count of first
 * claims (`lidex_first_claimed`), and, once per database, `priority: 0` on the runnable
 * documents written before priorities (a missing field sorts below every number, so they
 * would be claimed last).
 */
export async function ensureFlowIndexes(
  workflows: Collection<WorkflowDocument>,
  flow: Collection<FlowDocument>,
): Promise<void> {
  await ensureIndex(
    workflows,
    'lidex_priority_ready',
    { priority: -1, readyAt: 1 },
    false,
  );
  await ensureIndex(
    flow,
    'lidex_flow_lease',
    { workflowId: 1, leaseToken: 1 },
    true,
  );
  // One holding per slot: each holding has an `_id` of its own (`mongo.flow-control.ts`), its
  // `slot` unique; sparse, as only slots carry one.
  await ensureIndex(flow, 'lidex_flow_slot', { slot: 1 }, true, true);
  // Rate limits count the workflows of a name (and key) first claimed in their window.
  await ensureIndex(
    workflows,
    'lidex_first_claimed',
    { name: 1, concurrencyKey: 1, firstClaimedAt: 1 },
    false,
  );
  if (await flow.findOne({ _id: PRIORITY_UPGRADE })) return;
  const older = { readyAt: { $exists: true }, priority: { $exists: false } };
  if (await workflows.findOne(older, { projection: { _id: 1 } }))
    await workflows.updateMany(older, { $set: { priority: 0 } });
  try {
    await flow.insertOne({
      _id: PRIORITY_UPGRADE,
      kind: 'upgrade',
      at: Date.now(),
    });
  } catch (error) {
    // Another instance started at the same time and did it too.
    if (!isDuplicateKey(error)) throw error;
  }
}
