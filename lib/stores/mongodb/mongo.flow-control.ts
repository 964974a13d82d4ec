import type { Collection } from 'mongodb';
import type { FlowLimit } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import type { Admission, FlowDocument } from './mongo.flow-documents';
import { FlowGate } from './mongo.flow-gate';
import { MAX_VERIFIED } from './mongo.flow-recovery';
import { SlotReleases } from './mongo.flow-release';
import { SlotNumbers } from './mongo.flow-slot-numbers';
import { FlowStarts } from './mongo.flow-starts';

/*
 * Flow control in the MongoDB store, decided by unique inserts into `<prefix>flow`, which are
 * atomic on every MongoDB-compatible server (FerretDB 1.x included, whose conditional updates
 * are not). A concurrency limit of n is n numbered slot documents per name (and per name and
 * key): to claim a workflow of a limited name, a claim must first insert a free slot's document;
 * of two claims racing for the last one, exactly one succeeds. A rate limit numbers the starts
 * of a name: start k is inserted only by a claim that read starts 0..k-1 (those not swept) and
 * found fewer than `max` of them in the last `perMs`; of two claims counting the same starts,
 * only one inserts number k (a key's starts, for a rate limit per key, are numbered apart:
 * `mongo.flow-starts.ts`). A start whose workflow another claim won is marked void, so it
 * counts no more. A slot is deleted once the lease that took it
 * ends (the instance that claimed it deletes it after its write); one left by a process that
 * died is found stale (older than a lease, its workflow no longer leased) by a claim that finds
 * the limit reached, and deleted (`mongo.flow-recovery.ts`). Each holding of a slot is a
 * document of its own, `_id` `slot:<scope>:<n>:<lease token>`, its `slot` field
 * (`slot:<scope>:<n>`) unique (index `lidex_flow_slot`): FerretDB 1.x deletes what a filter
 * matched by `_id` afterwards, so a delete only ever removes the holding it read, never one
 * taken in its place meanwhile.
 */

export {
  FLOW_CANDIDATE_PROJECTION,
  type Admission,
  type FlowCandidate,
  type FlowDocument,
} from './mongo.flow-documents';

export { FlowGate } from './mongo.flow-gate';

/** The names of `limits` with a concurrency limit (their own, or per key): those with slots. */
export const slottedNames = (
  limits: ReadonlyMap<string, FlowLimit>,
): string[] =>
  [...limits]
    .filter(([, limit]) => limit.concurrency ?? limit.perKey)
    .map(([name]) => name);

/** The store's side: slots held by its leases, last start numbers seen, slots checked. */
export class MongoFlowControl {
  private readonly held = new Map<
    string,
    { workflowId: string; tokens: string[] }
  >();
  /** Slots found held by a leased workflow, `id token` → when: not looked up again soon. */
  readonly verified = new Map<string, number>();
  /** Deletes of ended leases' slots not answered yet. */
  readonly releases: SlotReleases;
  /** The slot number this store took last in each scope, tried first. */
  readonly slotNumbers = new SlotNumbers();

  constructor(
    readonly flow: Collection<FlowDocument>,
    readonly workflows: Collection<WorkflowDocument>,
    /**
     * Whether a claim reads its first candidates and the slots in one aggregation
     * (`readFirstFolded`): on a server without a query planner that runs it.
     */
    readonly foldsFirstRead = false,
  ) {
    this.releases = new SlotReleases(flow);
  }

  /**
   * A claim's gate: the slots of its limited names (`slottedNames`), read once (`slotsRead`,
   * sent with the claim's first candidates), stale ones recovered.
   */
  async gate(
    limits: ReadonlyMap<string, FlowLimit>,
    now: number,
    staleAfterMs: number,
    slotsRead: Promise<FlowDocument[]>,
  ): Promise<FlowGate> {
    // Read while this store's slot deletes are answered (the slots they delete count free),
    // and with the starts of the rate-limited names.
    const starts = new FlowStarts(this.flow, this.workflows, now);
    const [docs, released] = await Promise.all([
      slotsRead,
      this.releases.answered(),
      starts.readAhead(limits),
    ]);
    const gate = new FlowGate(
      this,
      limits,
      now,
      staleAfterMs,
      docs.filter((doc) => !released(doc)),
      starts,
    );
    await gate.recoverFull();
    return gate;
  }

  /** A claim won under `admission`: its slots are freed when `leaseToken` ends. */
  took(workflowId: string, leaseToken: string, admission: Admission): void {
    if (admission.slots.length === 0 && !admission.takenOver) return;
    const tokens = [
      leaseToken,
      ...(admission.takenOver ? [admission.takenOver] : []),
    ];
    this.held.set(leaseToken, { workflowId, tokens });
    // Bounded: a lease forgotten here leaves its slots to be recovered as stale.
    if (this.held.size > MAX_VERIFIED) {
      const oldest = this.held.keys().next();
      if (!oldest.done) this.held.delete(oldest.value);
    }
  }

  /**
   * The lease ended by a write that was applied: its slots are deleted, the delete sent now
   * (after the write) and not waited for (`mongo.flow-release.ts`).
   */
  freed(leaseToken: string): void {
    const held = this.held.get(leaseToken);
    if (!held) return;
    this.held.delete(leaseToken);
    this.releases.send(held.workflowId, held.tokens);
  }

  /** The lease was lost: whoever took the workflow over holds its slots now. */
  forget(leaseToken: string): void {
    this.held.delete(leaseToken);
  }

  clear(): void {
    this.held.clear();
    this.verified.clear();
  }
}
