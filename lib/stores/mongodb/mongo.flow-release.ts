import type { Collection } from 'mongodb';
import type { FlowDocument } from './mongo.flow-documents';

const holdingOf = (workflowId?: string, leaseToken?: string) =>
  JSON.stringify([workflowId, leaseToken]);

/**
 * The deletes of the slots held by leases that ended (`mongo.flow-control.ts`). A run's last
 * write waits for its own answer alone: the delete of its slots is sent once that write is
 * answered (so no claim counts them free while the workflow is still leased) and not waited
 * for there. This store's next claim reads the slots while its deletes are answered and counts
 * the slots they delete free; other stores see them free once the delete is applied, as before.
 * A delete that fails (the server away) leaves its slots to be recovered as stale.
 */
export class SlotReleases {
  /** Deletes sent and not answered yet, each with the holdings (workflow, lease) it deletes. */
  private readonly pending = new Map<Promise<void>, Set<string>>();

  constructor(private readonly flow: Collection<FlowDocument>) {}

  /** Sends the delete of the slots `workflowId` holds under any of `leaseTokens`. */
  send(workflowId: string, leaseTokens: string[]): void {
    const settle = () => {
      this.pending.delete(release);
    };
    const release: Promise<void> = this.flow
      .deleteMany({
        kind: 'slot',
        workflowId,
        leaseToken: { $in: leaseTokens },
      })
      .then(settle, settle);
    this.pending.set(
      release,
      new Set(leaseTokens.map((token) => holdingOf(workflowId, token))),
    );
  }

  /**
   * Waits for the deletes sent so far; answers whether a slot read meanwhile is one of those
   * they deleted.
   */
  async answered(): Promise<(doc: FlowDocument) => boolean> {
    const sent = [...this.pending];
    await Promise.all(sent.map(([release]) => release));
    return (doc) => {
      const holding = holdingOf(doc.workflowId, doc.leaseToken);
      return sent.some(([, holdings]) => holdings.has(holding));
    };
  }

  /** Resolves once every delete sent has been answered (before the client closes). */
  async drained(): Promise<void> {
    await Promise.all([...this.pending.keys()]);
  }
}
