import {
  type ActivityBucket,
  type ActivityQuery,
  bucketOf,
  emptyBuckets,
  type StoredWorkflow,
} from '../../model';

const ENDED = new Set(['finished', 'aborted', 'cancelled']);

/** `activity` over the memory store's workflows (a scan: it is memory). */
export function memoryActivity(
  workflows: Iterable<StoredWorkflow>,
  query: ActivityQuery,
): ActivityBucket[] {
  const buckets = emptyBuckets(query);
  for (const workflow of workflows) {
    const created = bucketOf(buckets, query, workflow.createdAt);
    if (created) created.created += 1;
    if (ENDED.has(workflow.status)) {
      const ended = bucketOf(buckets, query, workflow.updatedAt);
      if (ended) {
        ended.ended += 1;
        if (workflow.status === 'finished') ended.finished += 1;
      }
    }
    for (const step of workflow.steps) {
      if (step.kind !== 'step' || step.startedAt === undefined) continue;
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
