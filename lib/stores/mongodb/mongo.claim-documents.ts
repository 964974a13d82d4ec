import type { Collection } from 'mongodb';
import type { ClaimOptions, ClaimedWorkflow, Lease } from '../persistence';
import {
  byId,
  claimId,
  type ClaimDocument,
  type WorkflowDocument,
} from './mongo.documents';
import { isDuplicateKey } from './mongo.errors';
import { type MongoSignals, NOT_WAITING } from './mongo.signals';
import { skipNewerVersions } from './mongo.versions';
import { claimLimited, claimOrder, isLimited } from './mongo.flow-claims';
import type { MongoFlowControl } from './mongo.flow-control';
import type { MongoClaims } from './mongo.claims';
import {
  SPARE_CANDIDATES,
  candidateStatus,
  claimedBy,
  duplicateIndexes,
  keepingWon,
  toClaimed,
  type Candidate,
} from './mongo.claim-parts';

/** How often an instance deletes claim documents nobody can need any more. */
const SWEEP_EVERY_MS = 60_000;
/** Claim documents older than this are deleted (at least; ten leases if that is longer). */
const KEEP_CLAIMS_MS = 10 * 60_000;

/**
 * Claims decided by claim documents. A workflow's claims are numbered (its `epoch`); to take
 * epoch n + 1 an instance must first insert that epoch's claim document, whose `_id` is unique,
 * so of several instances claiming together exactly one wins — on any server, including those
 * whose conditional updates are not atomic under concurrency (FerretDB 1.x). The winner then
 * moves the workflow to its epoch, if the workflow is still at the epoch it read and still ready.
 *
 * A claim document only matters while its claim is being made, so old ones are swept now and
 * then by an idle poll, rather than costing a round trip when a workflow ends.
 */
export class ClaimDocumentClaims implements MongoClaims {
  private lastSweep = 0;

  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    private readonly claims: Collection<ClaimDocument>,
    /** So that a claim and a signal sent meanwhile do not write over each other. */
    private readonly signals?: Pick<MongoSignals, 'locked'>,
    /** Flow limits (`mongo.flow-control.ts`), for claims that have some. */
    private readonly flow?: MongoFlowControl,
  ) {}

  /** By priority, then oldest ready; candidates another instance won meanwhile are skipped. */
  async claimReady(
    now: number,
    leases: Lease[],
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    const claimed: ClaimedWorkflow[] = [];
    const passed: string[] = [];
    const staleAfterMs = leases[0].until - now;
    await keepingWon(claimed, () =>
      this.flow && isLimited(options)
        ? claimLimited(
            this.workflows,
            this.flow,
            async (candidate, lease) => {
              const next = await this.takeEpoch(
                candidate._id,
                candidate.epoch + 1,
                now,
                staleAfterMs,
              );
              return next === undefined
                ? undefined
                : this.moveTo(candidate, next, now, lease);
            },
            claimed,
            now,
            leases,
            options!,
          )
        : this.claimInto(claimed, passed, now, leases, options),
    );
    if (claimed.length === 0) await this.sweep(now, leases[0]);
    return claimed;
  }

  private async claimInto(
    claimed: ClaimedWorkflow[],
    passed: string[],
    now: number,
    leases: Lease[],
    options: ClaimOptions | undefined,
  ): Promise<void> {
    const staleAfterMs = leases[0].until - now;
    const ready = { readyAt: { $lte: now }, ...skipNewerVersions(options) };
    while (claimed.length < leases.length) {
      const limit = leases.length - claimed.length + SPARE_CANDIDATES;
      let candidates = await this.workflows
        .find(passed.length > 0 ? { ...ready, _id: { $nin: passed } } : ready, {
          sort: claimOrder(options),
          limit,
          projection: { _id: 1, epoch: 1, status: 1 },
        })
        .toArray();
      const found = candidates.length;
      while (candidates.length > 0 && claimed.length < leases.length) {
        const round = candidates.slice(0, leases.length - claimed.length);
        candidates = candidates.slice(round.length);
        passed.push(...round.map((candidate) => candidate._id));
        const epochs = await this.takeEpochs(round, now, staleAfterMs);
        try {
          for (const candidate of round) {
            const next = epochs.get(candidate._id);
            if (next === undefined) continue;
            const lease = leases[claimed.length];
            epochs.delete(candidate._id);
            const won = await this.moveTo(candidate, next, now, lease);
            if (won) claimed.push(won);
          }
        } finally {
          // Interrupted (the server went away): give back the epochs not used, so that these
          // workflows are not skipped for a lease. Best effort: the server may still be away.
          if (epochs.size > 0)
            await this.giveBack(epochs).catch(() => undefined);
        }
      }
      if (found < limit) break;
    }
  }

  /**
   * Takes the next epoch of each candidate, the claim documents of all of them in one insert.
   * Those another instance holds are tried one by one (their claimer may have died half-way).
   * Returns the epoch won per workflow id.
   */
  private async takeEpochs(
    candidates: Candidate[],
    now: number,
    staleAfterMs: number,
  ): Promise<Map<string, number>> {
    const won = new Map<string, number>();
    const taken = new Set<number>();
    if (candidates.length > 1) {
      try {
        await this.claims.insertMany(
          candidates.map(({ _id, epoch }) => ({
            _id: claimId(_id, epoch + 1),
            workflowId: _id,
            at: now,
          })),
          { ordered: false },
        );
      } catch (error) {
        for (const index of duplicateIndexes(error, candidates.length)) {
          taken.add(index);
        }
      }
    }
    for (const [index, { _id, epoch }] of candidates.entries()) {
      if (candidates.length > 1 && !taken.has(index)) {
        won.set(_id, epoch + 1);
        continue;
      }
      const next = await this.takeEpoch(_id, epoch + 1, now, staleAfterMs);
      if (next !== undefined) won.set(_id, next);
    }
    return won;
  }

  private async giveBack(epochs: Map<string, number>): Promise<void> {
    await this.claims.deleteMany({
      _id: { $in: [...epochs].map(([id, epoch]) => claimId(id, epoch)) },
    });
  }

  /** Moves the workflow to the epoch won, if it is still at the epoch read and still ready. */
  private async moveTo(
    candidate: Candidate,
    next: number,
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    const move = () =>
      this.workflows.findOneAndUpdate(
        {
          ...byId(candidate._id),
          epoch: { $eq: candidate.epoch },
          readyAt: { $lte: now },
          ...candidateStatus(candidate),
        },
        {
          $set: { ...claimedBy(lease, now, candidate.status), epoch: next },
          $inc: { attempts: 1 },
          $unset: NOT_WAITING,
          $min: { firstClaimedAt: now },
        },
        { returnDocument: 'after' },
      );
    const doc = this.signals
      ? await this.signals.locked(candidate._id, now, move)
      : await move();
    if (!doc) {
      // The workflow moved on (renewed, finished) since it was read: give the epoch back.
      await this.claims.deleteOne({ _id: claimId(candidate._id, next) });
      return undefined;
    }
    return toClaimed(doc, lease);
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

  /**
   * Deletes claim documents long past: a late claimer of their epoch finds the workflow at a
   * later epoch and fails its update, so they no longer decide anything.
   */
  private async sweep(now: number, lease: Lease | undefined): Promise<void> {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    const leaseMs = lease ? lease.until - now : 0;
    await this.claims.deleteMany({
      at: { $lt: now - Math.max(KEEP_CLAIMS_MS, 10 * leaseMs) },
    });
  }
}
