import type { Collection } from 'mongodb';
import type { FlowDocument } from './mongo.flow-documents';

const holdingOf = (workflowId?: string, leaseToken?: string) =>
  JSON.stringify([workflowId, leaseToken]);

/** Holdings deleted that a read sent before their delete may still return, remembered at most. */
const MAX_DELETED = 1_000;

/**
 * The deletes of the slots held by leases that ended (`mongo.flow-control.ts`). A run's last
 * write waits for its own answer alone: the delete of its slots is sent once that write is
 * answered (so no claim counts them free while the workflow is still leased) and not waited
 * for there. This store's claims count the slots of a delete answered free, even as read
 * before it was applied (a read sent ahead, `FlowReadAhead`, is); those of a delete still under
 * way count held, and are waited for only by a claim that finds their limit reached
 * (`SlotsReleasing`). Other stores see them free once the delete is applied. A delete that
 * fails (the server away) leaves its slots to be recovered as stale.
 */
export class SlotReleases {
  /** Deletes sent and not answered yet, each with the holdings (workflow, lease) it deletes. */
  private readonly pending = new Map<Promise<void>, Set<string>>();
  /** Holdings whose delete was answered, the latest `MAX_DELETED`, oldest first. */
  private readonly deletedHoldings = new Set<string>();

  constructor(private readonly flow: Collection<FlowDocument>) {}

  /** Sends the delete of the slots `workflowId` holds under any of `leaseTokens`. */
  send(workflowId: string, leaseTokens: string[]): void {
    const holdings = new Set(
      leaseTokens.map((token) => holdingOf(workflowId, token)),
    );
    const settle = () => {
      this.pending.delete(release);
    };
    const release: Promise<void> = this.flow
      .deleteMany({
        kind: 'slot',
        workflowId,
        leaseToken: { $in: leaseTokens },
      })
      .then(() => {
        settle();
        this.remember(holdings);
      }, settle);
    this.pending.set(release, holdings);
  }

  /** Whether the delete of the slot `doc` (as a claim read it) was answered: it is free. */
  deleted(doc: FlowDocument): boolean {
    return this.deletedHoldings.has(holdingOf(doc.workflowId, doc.leaseToken));
  }

  /** The delete of the slot `doc` under way, if one is (`deleted` answers once it settles). */
  deleting(doc: FlowDocument): Promise<void> | undefined {
    const holding = holdingOf(doc.workflowId, doc.leaseToken);
    for (const [release, holdings] of this.pending)
      if (holdings.has(holding)) return release;
    return undefined;
  }

  /** Resolves once every delete sent has been answered (before the client closes). */
  async drained(): Promise<void> {
    await Promise.all([...this.pending.keys()]);
  }

  private remember(holdings: Set<string>): void {
    for (const holding of holdings) this.deletedHoldings.add(holding);
    for (const oldest of this.deletedHoldings) {
      if (this.deletedHoldings.size <= MAX_DELETED) break;
      this.deletedHoldings.delete(oldest);
    }
  }
}

/**
 * The slots a claim read whose delete by this store is under way: held in its view until that
 * delete is answered, which the claim waits for only where it finds the limit reached.
 */
export class SlotsReleasing {
  private readonly releasing = new Map<
    string,
    { doc: FlowDocument; release: Promise<void> }
  >();

  constructor(
    private readonly releases: SlotReleases,
    docs: readonly FlowDocument[],
  ) {
    for (const doc of docs) {
      const release = releases.deleting(doc);
      if (release) this.releasing.set(doc._id, { doc, release });
    }
  }

  /** Whether a slot of `scope` read is being deleted. */
  holds(scope: string): boolean {
    return [...this.releasing.values()].some(({ doc }) => doc.scope === scope);
  }

  /** Whether the slot read `doc` is being deleted. */
  has(doc: FlowDocument | undefined): boolean {
    return doc !== undefined && this.releasing.get(doc._id)?.doc === doc;
  }

  /** Waits for the deletes under way of `scope`'s slots; answers the slots they deleted. */
  async answered(scope: string): Promise<FlowDocument[]> {
    const mine = [...this.releasing.values()].filter(
      ({ doc }) => doc.scope === scope,
    );
    if (mine.length === 0) return [];
    await Promise.all(mine.map(({ release }) => release));
    for (const { doc } of mine) this.releasing.delete(doc._id);
    return mine
      .map(({ doc }) => doc)
      .filter((doc) => this.releases.deleted(doc));
  }
}
