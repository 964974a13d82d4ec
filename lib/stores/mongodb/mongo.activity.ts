import type { Collection } from 'mongodb';
import {
  type ActivityBucket,
  type ActivityQuery,
  bucketOf,
  emptyBuckets,
  TERMINAL_STATUSES,
  WORKFLOW_STATUSES,
} from '../../model';
import type { StoredStep } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';

/** What a chart needs of a workflow: never its input, result or step results. */
type ActivityDocument = Pick<
  WorkflowDocument,
  'status' | 'createdAt' | 'updatedAt'
> & { steps?: Pick<StoredStep, 'kind' | 'startedAt' | 'recordedAt'>[] };

const ENDED = new Set(TERMINAL_STATUSES);

/**
 * `activity` in the MongoDB store: one read of the workflows written since the window's start,
 * through `lidex_ended` (`{ status, updatedAt }`, a range per status), projected to the fields a
 * chart needs. Every write sets `updatedAt` to its time, which is never before the workflow's
 * creation or a step's `recordedAt`, so the workflows created, ended or with steps recorded in
 * the window are all among them; finished workflows from before it are never read.
 */
export async function mongoActivity(
  workflows: Collection<WorkflowDocument>,
  query: ActivityQuery,
): Promise<ActivityBucket[]> {
  const buckets = emptyBuckets(query);
  const docs = await workflows
    .find<ActivityDocument>(
      {
        status: { $in: [...WORKFLOW_STATUSES] },
        updatedAt: { $gte: query.since },
      },
      {
        projection: {
          _id: 0,
          status: 1,
          createdAt: 1,
          updatedAt: 1,
          'steps.kind': 1,
          'steps.startedAt': 1,
          'steps.recordedAt': 1,
        },
      },
    )
    .toArray();
  for (const doc of docs) {
    const created = bucketOf(buckets, query, doc.createdAt);
    if (created) created.created += 1;
    const ended = ENDED.has(doc.status)
      ? bucketOf(buckets, query, doc.updatedAt)
      : undefined;
    if (ended) {
      ended.ended += 1;
      if (doc.status === 'finished') ended.finished += 1;
    }
    for (const step of doc.steps ?? []) {
      if (step.kind !== 'step' || typeof step.startedAt !== 'number') continue;
      const bucket = bucketOf(buckets, query, step.recordedAt);
      if (!bucket) continue;
      const ms = step.recordedAt - step.startedAt;
      bucket.steps += 1;
      bucket.stepMsTotal += ms;
      bucket.stepMsMax = Math.max(bucket.stepMsMax, ms);
    }
  }
  return buckets;
}
