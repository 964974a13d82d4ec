import type { Collection } from 'mongodb';
import { CANCELLABLE_STATUSES } from '../persistence';
import { byId, stepKey, type WorkflowDocument } from './mongo.documents';
import { NOT_WAITING } from './mongo.signals';

const RUNNABLE = CANCELLABLE_STATUSES.filter((s) => s !== 'compensating');

/**
 * The cancel that compensates, in the MongoDB store: a workflow whose steps hold a `compensable`
 * record moves to `compensating`, ready now, with its `compensating` record pushed, in one update.
 */
export async function cancelToCompensating(
  workflows: Collection<WorkflowDocument>,
  workflowId: string,
  now: number,
): Promise<true | undefined> {
  const begin = {
    kind: 'compensating' as const,
    id: 'cancelled',
    recordedAt: now,
  };
  const { matchedCount } = await workflows.updateOne(
    {
      ...byId(workflowId),
      status: { $in: [...RUNNABLE] },
      'steps.kind': { $eq: 'compensable' },
    },
    {
      $set: { status: 'compensating', readyAt: now, updatedAt: now },
      $unset: { leaseToken: '', ...NOT_WAITING },
      $push: { steps: begin, stepKeys: stepKey(begin) },
    },
  );
  if (matchedCount === 1) return true;
  const doc = await workflows.findOne(byId(workflowId), {
    projection: { status: 1 },
  });
  return doc?.status === 'compensating' ? true : undefined;
}
