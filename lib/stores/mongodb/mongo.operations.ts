import type { Collection, Filter } from 'mongodb';
import {
  WORKFLOW_STATUSES,
  type WorkflowCounts,
  type WorkflowStatus,
} from '../../engine/types';
import {
  CANCELLABLE_STATUSES,
  RETRYABLE_STATUSES,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import {
  SUMMARY_PROJECTION,
  type SummaryDocument,
  toSummary,
  type WorkflowDocument,
} from './mongo.documents';

/** Operators' requests of the MongoDB store: list, count, cancel, retry. */
export class MongoOperations {
  constructor(private readonly workflows: Collection<WorkflowDocument>) {}

  async list(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const filter: Filter<WorkflowDocument> = {};
    if (query.status !== undefined) filter.status = { $eq: query.status };
    if (query.name !== undefined) filter.name = { $eq: query.name };
    if (query.after) {
      filter.$or = [
        { createdAt: { $lt: query.after.createdAt } },
        {
          createdAt: { $eq: query.after.createdAt },
          _id: { $lt: query.after.id },
        },
      ];
    }
    const docs = await this.workflows
      .find(filter, {
        sort: { createdAt: -1, _id: -1 },
        limit: query.limit,
        projection: SUMMARY_PROJECTION,
      })
      .toArray();
    return (docs as SummaryDocument[]).map(toSummary);
  }

  async count(filter: { name?: string }): Promise<WorkflowCounts> {
    const groups = await this.workflows
      .aggregate<{ _id: WorkflowStatus; n: number }>([
        {
          $match:
            filter.name === undefined ? {} : { name: { $eq: filter.name } },
        },
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ])
      .toArray();
    const counts = Object.fromEntries(
      WORKFLOW_STATUSES.map((status) => [status, 0]),
    ) as WorkflowCounts;
    for (const group of groups) counts[group._id] = group.n;
    return counts;
  }

  async cancel(workflowId: string, now: number): Promise<boolean | undefined> {
    const { matchedCount } = await this.workflows.updateOne(
      { _id: { $eq: workflowId }, status: { $in: [...CANCELLABLE_STATUSES] } },
      {
        $set: { status: 'cancelled', updatedAt: now },
        $unset: { leaseToken: '', readyAt: '' },
      },
    );
    if (matchedCount === 1) return true;
    const status = await this.statusOf(workflowId);
    return status && status === 'cancelled';
  }

  async retry(workflowId: string, now: number): Promise<boolean | undefined> {
    const { matchedCount } = await this.workflows.updateOne(
      { _id: { $eq: workflowId }, status: { $in: [...RETRYABLE_STATUSES] } },
      {
        $set: { status: 'idle', failures: 0, readyAt: now, updatedAt: now },
        $unset: { leaseToken: '' },
      },
    );
    if (matchedCount === 1) return true;
    return (await this.statusOf(workflowId)) === undefined ? undefined : false;
  }

  private async statusOf(
    workflowId: string,
  ): Promise<WorkflowStatus | undefined> {
    const doc = await this.workflows.findOne(
      { _id: { $eq: workflowId } },
      { projection: { status: 1 } },
    );
    return doc?.status;
  }
}
