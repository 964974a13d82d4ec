import type { Collection } from 'mongodb';
import type { ClaimOptions, ClaimedWorkflow, Lease } from '../persistence';
import { byId, type WorkflowDocument } from './mongo.documents';
import { NOT_WAITING } from './mongo.signals';
import { skipNewerVersions } from './mongo.versions';
import { claimLimited, claimOrder, isLimited } from './mongo.flow-claims';
import type { FlowCandidate, MongoFlowControl } from './mongo.flow-control';
import {
  SPARE_CANDIDATES,
  claimedBy,
  keepCompensating,
  keepingWon,
  toClaimed,
} from './mongo.claim-parts';

/** How claims are decided; see `MongoStoreOptions.claims`. */
export interface MongoClaims {
  claimReady(
    now: number,
    leases: Lease[],
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]>;
}

/**
 * One `findOneAndUpdate` per claim: the oldest ready workflow, moved to the new lease and
 * returned with its steps in the same round trip. Atomic on MongoDB, which applies a conditional
 * update to one document atomically.
 */
export class SingleUpdateClaims implements MongoClaims {
  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    /** Flow limits (`mongo.flow-control.ts`), for claims that have some. */
    private readonly flow?: MongoFlowControl,
    /** Several leases are claimed from one read (`MongoServerProfile.plansQueries`). */
    private readonly readOnce = false,
  ) {}

  async claimReady(
    now: number,
    leases: Lease[],
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    const claimed: ClaimedWorkflow[] = [];
    if (this.flow && isLimited(options)) {
      const flow = this.flow;
      await keepingWon(claimed, () =>
        claimLimited(
          this.workflows,
          flow,
          (candidate, lease) => this.claimRead(candidate, now, lease),
          claimed,
          now,
          leases,
          options!,
        ),
      );
      return claimed;
    }
    if (this.readOnce && leases.length > 1) {
      await keepingWon(claimed, () =>
        this.claimBatch(claimed, now, leases, options),
      );
      return claimed;
    }
    await keepingWon(claimed, async () => {
      for (const lease of leases) {
        const doc = await this.workflows.findOneAndUpdate(
          { readyAt: { $lte: now }, ...skipNewerVersions(options) },
          {
            $set: claimedBy(lease, now),
            $inc: { epoch: 1, attempts: 1 },
            $unset: NOT_WAITING,
            $min: { firstClaimedAt: now },
          },
          { sort: claimOrder(options), returnDocument: 'before' },
        );
        if (!doc) break;
        claimed.push(toClaimed(doc, lease));
        await keepCompensating(this.workflows, doc, lease);
      }
    });
    return claimed;
  }

  /**
   * Several leases on a server without a query planner: the ready workflows are read once, in
   * claim order, then each is won as read (`claimRead`), so that the server scans and sorts
   * once a batch, not once a lease. Those won elsewhere meanwhile are skipped; the next are
   * read if need be. (MongoDB serves a sorted update from `lidex_priority_ready` and never
   * loses a candidate to another instance: one sorted update per lease there.)
   */
  private async claimBatch(
    claimed: ClaimedWorkflow[],
    now: number,
    leases: Lease[],
    options: ClaimOptions | undefined,
  ): Promise<void> {
    const ready = { readyAt: { $lte: now }, ...skipNewerVersions(options) };
    const passed: string[] = [];
    while (claimed.length < leases.length) {
      const limit = leases.length - claimed.length + SPARE_CANDIDATES;
      const candidates = await this.workflows
        .find(passed.length > 0 ? { ...ready, _id: { $nin: passed } } : ready, {
          sort: claimOrder(options),
          limit,
          projection: { _id: 1, epoch: 1, readyAt: 1 },
        })
        .toArray();
      for (const candidate of candidates) {
        if (claimed.length >= leases.length) break;
        passed.push(candidate._id);
        const won = await this.claimRead(
          candidate,
          now,
          leases[claimed.length],
        );
        if (won) claimed.push(won);
      }
      if (candidates.length < limit) break;
    }
  }

  /**
   * Claims a workflow as a claim read it: only if still at that epoch and that `readyAt` (so
   * still ready: it was when read). The filter is exactly the keys of the unique index
   * `lidex_claim_read`, plain values, which servers without a query planner serve too.
   */
  private async claimRead(
    candidate: Pick<FlowCandidate, '_id' | 'epoch' | 'readyAt'>,
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    if (candidate.readyAt === undefined) return undefined;
    const doc = await this.workflows.findOneAndUpdate(
      {
        ...byId(candidate._id),
        epoch: candidate.epoch,
        readyAt: candidate.readyAt,
      },
      {
        $set: claimedBy(lease, now),
        $inc: { epoch: 1, attempts: 1 },
        $unset: NOT_WAITING,
        $min: { firstClaimedAt: now },
      },
      { returnDocument: 'before' },
    );
    if (!doc) return undefined;
    await keepCompensating(this.workflows, doc, lease);
    return toClaimed(doc, lease);
  }
}
