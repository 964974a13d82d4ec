import type { Collection } from 'mongodb';
import type { ClaimedWorkflow, Lease } from '../persistence';
import {
  claimId,
  type ClaimDocument,
  toStoredStep,
  type WorkflowDocument,
} from './mongo.documents';
import { isDuplicateKey } from './mongo.errors';

/** How many ready workflows one claim reads at a time. */
const CLAIM_CANDIDATES = 5;

/**
 * Claims for the MongoDB store. A workflow's claims are numbered (its `epoch`); to take epoch
 * n + 1 an instance must first insert that epoch's claim document, whose `_id` is unique, so of
 * several instances claiming together exactly one wins — on any server, including those whose
 * conditional updates are not atomic under concurrency (FerretDB 1.x). The winner then moves the
 * workflow to its epoch, if the workflow is still at the epoch it read and still ready.
 */
export class MongoClaims {
  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    private readonly claims: Collection<ClaimDocument>,
  ) {}

  /** Oldest ready first; candidates another instance won meanwhile are skipped. */
  async claimNextReady(
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    const contended: string[] = [];
    for (;;) {
      const candidates = await this.workflows
        .find(
          contended.length > 0
            ? { readyAt: { $lte: now }, _id: { $nin: contended } }
            : { readyAt: { $lte: now } },
          {
            sort: { readyAt: 1 },
            limit: CLAIM_CANDIDATES,
            projection: { _id: 1, epoch: 1 },
          },
        )
        .toArray();
      if (candidates.length === 0) return undefined;
      for (const candidate of candidates) {
        const claimed = await this.claim(
          candidate._id,
          candidate.epoch,
          now,
          lease,
        );
        if (claimed) return claimed;
        contended.push(candidate._id);
      }
    }
  }

  /** Drops the claim documents of a workflow that will not be claimed again. */
  async forget(workflowId: string): Promise<void> {
    await this.claims.deleteMany({ workflowId: { $eq: workflowId } });
  }

  private async claim(
    workflowId: string,
    epoch: number,
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    const next = await this.takeEpoch(
      workflowId,
      epoch + 1,
      now,
      lease.until - now,
    );
    if (next === undefined) return undefined;
    const doc = await this.workflows.findOneAndUpdate(
      {
        _id: { $eq: workflowId },
        epoch: { $eq: epoch },
        readyAt: { $lte: now },
      },
      {
        $set: {
          epoch: next,
          status: 'running',
          leaseToken: lease.token,
          readyAt: lease.until,
          updatedAt: now,
        },
        $inc: { attempts: 1 },
      },
      { returnDocument: 'after' },
    );
    if (!doc) {
      // The workflow moved on (renewed, finished) since it was read: give the epoch back.
      await this.claims.deleteOne({ _id: claimId(workflowId, next) });
      return undefined;
    }
    return {
      id: doc._id,
      name: doc.name,
      input: doc.input,
      failures: doc.failures,
      leaseToken: lease.token,
      steps: doc.steps.map(toStoredStep),
    };
  }

  /**
   * Inserts the claim document of `epoch`, or of a later one if that epoch's claimer died
   * half-way (its claim is older than a lease and the workflow never moved to it).
   * Returns the epoch won, or undefined when another instance is claiming right now.
   */
  private async takeEpoch(
    workflowId: string,
    epoch: number,
    now: number,
    staleAfterMs: number,
  ): Promise<number | undefined> {
    for (let next = epoch; ; next++) {
      try {
        await this.claims.insertOne({
          _id: claimId(workflowId, next),
          workflowId,
          at: now,
        });
        return next;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await this.claims.findOne({
          _id: claimId(workflowId, next),
        });
        if (existing && existing.at > now - Math.max(staleAfterMs, 1))
          return undefined;
      }
    }
  }
}
