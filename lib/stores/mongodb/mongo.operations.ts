import type { Collection, Filter } from 'mongodb';
import type {
  WorkflowCounts,
  WorkflowError,
  WorkflowStatus,
} from '../../model';
import { NOT_WAITING } from './mongo.signals';
import { flowListFilters } from './mongo.list-filters';
import { ofVersion } from './mongo.versions';
import {
  CANCELLABLE_STATUSES,
  noCounts,
  RETRYABLE_STATUSES,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import {
  byId,
  SUMMARY_PROJECTION,
  type SummaryDocument,
  toSummary,
  type WorkflowDocument,
} from './mongo.documents';

/**
 * On servers that apply a conditional update as read-then-write (FerretDB 1.x), a run's write
 * racing a cancel can write the whole document back over it. The cancel is then checked again
 * after these pauses, and made again if it was undone.
 */
const RECHECK_CANCEL_AFTER_MS = [20, 100, 400];

/** Operators' requests of the MongoDB store: list, count, cancel, retry. */
export class MongoOperations {
  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    /** Whether the server's conditional updates are atomic (MongoDB) or not (FerretDB 1.x). */
    private readonly atomicUpdates: boolean,
    /** Resolves once this store's own lease-fenced writes of the workflow have settled. */
    private readonly writesSettled: (workflowId: string) => Promise<void>,
  ) {}

  async list(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const filter: Filter<WorkflowDocument> = {};
    if (query.status !== undefined) filter.status = { $eq: query.status };
    if (query.name !== undefined) filter.name = { $eq: query.name };
    const and = [
      ...(query.version === undefined ? [] : [ofVersion(query.version)]),
      ...flowListFilters(query),
    ];
    if (and.length > 0) filter.$and = and;
    if (query.waiting !== undefined) {
      filter.waitingKind = { $eq: query.waiting };
    }
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
    const counts = noCounts();
    for (const group of groups) counts[group._id] = group.n;
    return counts;
  }

  /** `reason`, when given, becomes the workflow's error (a deadline that passed). */
  async cancel(
    workflowId: string,
    now: number,
    reason?: WorkflowError,
  ): Promise<boolean | undefined> {
    if (await this.applyCancel(workflowId, now, reason)) {
      if (!this.atomicUpdates)
        await this.keepCancelled(workflowId, now, reason);
      return true;
    }
    const status = await this.statusOf(workflowId);
    return status && status === 'cancelled';
  }

  private async applyCancel(
    workflowId: string,
    now: number,
    reason: WorkflowError | undefined,
  ): Promise<boolean> {
    const { matchedCount } = await this.workflows.updateOne(
      { ...byId(workflowId), status: { $in: [...CANCELLABLE_STATUSES] } },
      {
        $set: {
          status: 'cancelled',
          updatedAt: now,
          ...(reason ? { error: { ...reason } } : {}),
        },
        $unset: { leaseToken: '', readyAt: '', ...NOT_WAITING },
      },
    );
    return matchedCount === 1;
  }

  private async keepCancelled(
    workflowId: string,
    now: number,
    reason: WorkflowError | undefined,
  ): Promise<void> {
    // This store's own racing writes are waited for, however slow the server; writes of other
    // processes are looked for after pauses.
    await this.writesSettled(workflowId);
    await this.cancelAgainIfUndone(workflowId, now, reason);
    for (const pauseMs of RECHECK_CANCEL_AFTER_MS) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      await this.writesSettled(workflowId);
      await this.cancelAgainIfUndone(workflowId, now, reason);
    }
  }

  private async cancelAgainIfUndone(
    workflowId: string,
    now: number,
    reason: WorkflowError | undefined,
  ): Promise<void> {
    const status = await this.statusOf(workflowId);
    if (status !== undefined && CANCELLABLE_STATUSES.includes(status)) {
      await this.applyCancel(workflowId, now, reason);
    }
  }

  async retry(workflowId: string, now: number): Promise<boolean | undefined> {
    const { matchedCount } = await this.workflows.updateOne(
      { ...byId(workflowId), status: { $in: [...RETRYABLE_STATUSES] } },
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
    const doc = await this.workflows.findOne(byId(workflowId), {
      projection: { status: 1 },
    });
    return doc?.status;
  }
}
