import type { Collection } from 'mongodb';
import { TERMINAL_STATUSES, type WorkflowPurge } from '../persistence';
import {
  byId,
  type ClaimDocument,
  type WorkflowDocument,
} from './mongo.documents';
import type { FlowDocument } from './mongo.flow-documents';
import { deleteStartsOf } from './mongo.flow-retention';
import { ensureIndex } from './mongo.setup';

/** The index a purge reads: workflows by status, oldest change first. */
export const ensureRetentionIndex = (
  workflows: Collection<WorkflowDocument>,
): Promise<void> =>
  ensureIndex(workflows, 'lidex_ended', { status: 1, updatedAt: 1 }, false);

/**
 * Retention in the MongoDB store. A workflow's steps and signals live in its document, so they
 * go with it; its claim documents (where claims are decided by them) go too, so that a workflow
 * started again under the same id starts its epochs afresh. A purge also deletes the purged
 * workflows' rate-limit starts that no count can need any more (`mongo.flow-retention.ts`).
 */
export class MongoRetention {
  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    private readonly claims: Collection<ClaimDocument>,
    private readonly flow: Collection<FlowDocument>,
  ) {}

  async delete(workflowId: string): Promise<boolean | undefined> {
    const { deletedCount } = await this.workflows.deleteOne({
      ...byId(workflowId),
      status: { $in: [...TERMINAL_STATUSES] },
    });
    if (deletedCount === 1) {
      await this.claims.deleteMany({ workflowId: { $eq: workflowId } });
      return true;
    }
    const found = await this.workflows.findOne(byId(workflowId), {
      projection: { _id: 1 },
    });
    return found ? false : undefined;
  }

  async purge(purge: WorkflowPurge): Promise<number> {
    if (!TERMINAL_STATUSES.includes(purge.status)) return 0;
    const doomed = await this.workflows
      .find(
        {
          status: { $eq: purge.status },
          updatedAt: { $lt: purge.endedBefore },
        },
        { sort: { updatedAt: 1 }, limit: purge.limit, projection: { _id: 1 } },
      )
      .toArray();
    if (doomed.length === 0) return 0;
    const ids = doomed.map((doc) => doc._id);
    const { deletedCount } = await this.workflows.deleteMany({
      _id: { $in: ids },
      status: { $eq: purge.status },
    });
    await this.claims.deleteMany({ workflowId: { $in: ids } });
    await deleteStartsOf(this.flow, ids, purge.endedBefore);
    return deletedCount;
  }
}
