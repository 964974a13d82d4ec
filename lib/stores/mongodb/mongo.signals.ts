import type { Collection, Filter } from 'mongodb';
import {
  TERMINAL_STATUSES,
  type NewSignal,
  type SignalDelivery,
  type StoredSignal,
  type WaitRelease,
  type WaitTarget,
} from '../persistence';
import {
  byId,
  type ClaimDocument,
  type WorkflowDocument,
} from './mongo.documents';
import { isDuplicateKey, writing } from './mongo.errors';

/*
 * Signals in the MongoDB store live in the workflow's document: `signals` (appended only, so a
 * signal's `seq` is its place in the array, from 1), `signalIds` (so a repeated one is refused by
 * the update's filter) and, while it waits, `waitingFor` and `waitingKind` (to filter on). No
 * update pipelines (not every MongoDB-compatible server has them): each rule is a filter.
 */

/** A signal as the document keeps it; its `seq` is its place in `signals`. */
export interface SignalEntry {
  name: string;
  payload: string;
  signalId: string;
  sentAt: number;
}

export const toStoredSignals = (
  entries: SignalEntry[] | undefined,
): StoredSignal[] =>
  (entries ?? []).map((entry, i) => ({
    seq: i + 1,
    name: entry.name,
    payload: entry.payload,
    signalId: entry.signalId,
    sentAt: entry.sentAt,
  }));

/** What a claim and a cancel unset: the workflow no longer waits. */
export const NOT_WAITING = { waitingFor: '', waitingKind: '' } as const;

/** After these pauses a send is checked again on servers whose updates are not atomic. */
const RECHECK_AFTER_MS = [20, 100, 400];
/** A send's or wait release's lock older than this was left by a process that died. */
const STALE_LOCK_MS = 5_000;

const lockId = (workflowId: string): string =>
  `signals:${workflowId.length}:${workflowId}`;

export class MongoSignals {
  constructor(
    private readonly workflows: Collection<WorkflowDocument>,
    /**
     * Where conditional updates are not atomic (FerretDB 1.x): the claim documents' collection,
     * whose unique inserts are, for a lock that keeps a send and a wait release of one workflow
     * from writing over each other. Absent on MongoDB.
     */
    private readonly locks?: Collection<ClaimDocument>,
  ) {}

  /**
   * Runs `write` alone among this workflow's sends, wait releases and claims (on non-atomic
   * servers; elsewhere at once).
   */
  async locked<T>(
    workflowId: string,
    now: number,
    write: () => Promise<T>,
  ): Promise<T> {
    const { locks } = this;
    if (!locks) return write();
    const _id = lockId(workflowId);
    // `now` is when the call began: the time spent waiting counts too, or a lock left by a
    // process that died less than STALE_LOCK_MS before it would never go stale for this call.
    const waitingSince = performance.now();
    const current = () => now + Math.round(performance.now() - waitingSince);
    let at = now;
    for (;;) {
      try {
        await locks.insertOne({ _id, workflowId, at });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const held = await locks.findOne({ _id });
        at = current();
        if (held && held.at < at - STALE_LOCK_MS) {
          await locks.deleteOne({ _id, at: held.at });
        } else {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    try {
      return await write();
    } finally {
      // Only this call's lock: one taken over after going stale is the new holder's.
      await locks.deleteOne({ _id, at });
    }
  }

  /**
   * One update applied: the one that wakes a waiting workflow, or else the one that only keeps
   * the signal. Each one's filter excludes the other's case, so a wait released in between is
   * never left asleep; when neither applies, the document says why.
   */
  send(signal: NewSignal): Promise<SignalDelivery> {
    return this.locked(signal.workflowId, signal.now, () =>
      this.sendUnlocked(signal),
    );
  }

  private async sendUnlocked(signal: NewSignal): Promise<SignalDelivery> {
    const entry: SignalEntry = {
      name: signal.name,
      payload: signal.payload,
      signalId: signal.signalId,
      sentAt: signal.now,
    };
    const open: Filter<WorkflowDocument> = {
      ...byId(signal.workflowId),
      signalIds: { $ne: signal.signalId },
      status: { $nin: [...TERMINAL_STATUSES] },
    };
    const push = { signals: entry, signalIds: signal.signalId };
    for (;;) {
      const woke = await writing(() =>
        this.workflows.updateOne(
          {
            ...open,
            leaseToken: { $exists: false },
            waitingFor: { $exists: true },
          },
          {
            $push: push,
            $set: { readyAt: signal.now, updatedAt: signal.now },
            $unset: NOT_WAITING,
          },
        ),
      );
      if (woke.matchedCount === 1) return this.checked(signal, 'delivered');
      const kept = await writing(() =>
        this.workflows.updateOne(
          {
            ...open,
            $or: [
              { leaseToken: { $exists: true } },
              { waitingFor: { $exists: false } },
            ],
          },
          {
            $push: push,
            $set: { updatedAt: signal.now },
          },
        ),
      );
      if (kept.matchedCount === 1) return this.checked(signal, 'delivered');
      const doc = await this.workflows.findOne(byId(signal.workflowId), {
        projection: { status: 1, signalIds: 1 },
      });
      if (!doc) return 'not-found';
      if (doc.signalIds?.includes(signal.signalId)) return 'duplicate';
      if (TERMINAL_STATUSES.includes(doc.status)) return 'ended';
      // It began or stopped waiting between the two updates: try again.
    }
  }

  /**
   * The wait's release, fenced by `leased`: waiting, unless the workflow holds a signal past
   * `signalsSeen` (then ready now). Two updates, each with its own filter on the signals.
   */
  release(
    workflowId: string,
    leased: Filter<WorkflowDocument>,
    leaseToken: string,
    release: { readyAt?: number; now: number; wait: WaitRelease },
  ): Promise<boolean> {
    return this.locked(workflowId, release.now, () =>
      this.releaseUnlocked(leased, leaseToken, release),
    );
  }

  private async releaseUnlocked(
    leased: Filter<WorkflowDocument>,
    leaseToken: string,
    release: { readyAt?: number; now: number; wait: WaitRelease },
  ): Promise<boolean> {
    const past = `signals.${release.wait.signalsSeen}`;
    const waiting = await this.workflows.updateOne(
      { ...leased, [past]: { $exists: false } },
      {
        $set: {
          updatedAt: release.now,
          lastLease: leaseToken,
          waitingFor: release.wait.for,
          waitingKind: release.wait.for.kind,
          ...(release.readyAt === undefined
            ? {}
            : { readyAt: release.readyAt }),
        },
        $unset: {
          leaseToken: '',
          ...(release.readyAt === undefined ? { readyAt: '' } : {}),
        },
      },
    );
    if (waiting.matchedCount === 1) return true;
    const ready = await this.workflows.updateOne(leased, {
      $set: {
        readyAt: release.now,
        updatedAt: release.now,
        lastLease: leaseToken,
      },
      $unset: { leaseToken: '' },
    });
    return ready.matchedCount === 1;
  }

  /**
   * Where updates are read-then-write (FerretDB 1.x), a racing write can put back the document
   * as it was: the signal is looked for again after pauses, kept again if it was lost, and a
   * workflow left waiting with it is woken.
   */
  private async checked(
    signal: NewSignal,
    delivery: SignalDelivery,
  ): Promise<SignalDelivery> {
    if (!this.locks) return delivery;
    for (const pauseMs of RECHECK_AFTER_MS) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const doc = await this.workflows.findOne(byId(signal.workflowId), {
        projection: { status: 1, signalIds: 1, leaseToken: 1, waitingFor: 1 },
      });
      if (!doc || TERMINAL_STATUSES.includes(doc.status)) return delivery;
      if (!doc.signalIds?.includes(signal.signalId)) {
        await this.sendUnlocked(signal);
        return delivery;
      }
      if (doc.leaseToken === undefined && doc.waitingFor !== undefined) {
        await this.workflows.updateOne(
          { ...byId(signal.workflowId), leaseToken: { $exists: false } },
          {
            $set: { readyAt: signal.now },
            $unset: NOT_WAITING,
          },
        );
      }
    }
    return delivery;
  }
}

export type { WaitTarget };
