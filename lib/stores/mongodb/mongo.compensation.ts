import type { Collection } from 'mongodb';
import { CANCELLABLE_STATUSES } from '../persistence';
import { byId, stepKey, type WorkflowDocument } from './mongo.documents';
import type { FlowDocument } from './mongo.flow-documents';
import { NOT_WAITING } from './mongo.signals';

const RUNNABLE = CANCELLABLE_STATUSES.filter((s) => s !== 'compensating');

/**
 * The cancel that compensates, in the MongoDB store: a workflow whose steps hold a `compensable`
 * record moves to `compensating`, ready since its creation (see `cancelWorkflow` in
 * `persistence.ts`), with its `compensating` record pushed, in one update. The slots its lease
 * held are deleted after that update (the lease ended), so its compensations claim the next
 * free slot at once; a delete that did not happen (the process died between) leaves them to be
 * recovered as stale, as any slot of an ended lease.
 */
export async function cancelToCompensating(
  workflows: Collection<WorkflowDocument>,
  flow: Collection<FlowDocument>,
  workflowId: string,
  now: number,
): Promise<true | undefined> {
  const begin = {
    kind: 'compensating' as const,
    id: 'cancelled',
    recordedAt: now,
  };
  // Its creation time, which never changes, is read first: the update cannot copy a field.
  const created = await workflows.findOne(byId(workflowId), {
    projection: { createdAt: 1 },
  });
  if (!created) return undefined;
  const before = await workflows.findOneAndUpdate(
    {
      ...byId(workflowId),
      status: { $in: [...RUNNABLE] },
      'steps.kind': { $eq: 'compensable' },
    },
    {
      $set: {
        status: 'compensating',
        readyAt: created.createdAt,
        updatedAt: now,
      },
      $unset: { leaseToken: '', ...NOT_WAITING },
      $push: { steps: begin, stepKeys: stepKey(begin) },
    },
    // No projection: FerretDB's findAndModify refuses one.
    { returnDocument: 'before' },
  );
  if (before) {
    if (before.leaseToken !== undefined)
      await flow.deleteMany({
        kind: 'slot',
        workflowId,
        leaseToken: before.leaseToken,
      });
    return true;
  }
  const doc = await workflows.findOne(byId(workflowId), {
    projection: { status: 1 },
  });
  return doc?.status === 'compensating' ? true : undefined;
}
