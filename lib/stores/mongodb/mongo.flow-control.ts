import type { Collection, Filter } from 'mongodb';
import type { FlowLimit, Lease } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import { isDuplicateKey } from './mongo.errors';
import type {
  Admission,
  FlowCandidate,
  FlowDocument,
} from './mongo.flow-documents';
import { MAX_VERIFIED, mayBeStale, recoverStale } from './mongo.flow-recovery';
import { SlotReleases } from './mongo.flow-release';
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

const scopeOf = (name: string, key?: string) =>
  JSON.stringify(key === undefined ? [name] : [name, key]);
const slotOf = (scope: string, n: number) => `slot:${scope}:${n}`;

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

  constructor(
    readonly flow: Collection<FlowDocument>,
    readonly workflows: Collection<WorkflowDocument>,
  ) {
    this.releases = new SlotReleases(flow);
  }

  /** A claim's gate: the slots of its limited names, read once, stale ones recovered. */
  async gate(
    limits: ReadonlyMap<string, FlowLimit>,
    now: number,
    staleAfterMs: number,
  ): Promise<FlowGate> {
    const slotted = [...limits]
      .filter(([, limit]) => limit.concurrency ?? limit.perKey)
      .map(([name]) => name);
    // Read while this store's slot deletes are answered (the slots they delete count free),
    // and with the starts of the rate-limited names.
    const starts = new FlowStarts(this.flow, this.workflows, now);
    const [docs, released] = await Promise.all([
      slotted.length === 0
        ? []
        : this.flow.find({ kind: 'slot', name: { $in: slotted } }).toArray(),
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

/** One claim's view of the limits: which slots are taken, which names and keys are full. */
export class FlowGate {
  private readonly taken = new Map<string, Map<number, FlowDocument>>();
  private readonly full = new Set<string>();
  constructor(
    private readonly control: MongoFlowControl,
    private readonly limits: ReadonlyMap<string, FlowLimit>,
    private readonly now: number,
    private readonly staleAfterMs: number,
    docs: FlowDocument[],
    private readonly starts: FlowStarts,
  ) {
    for (const doc of docs) this.slotsOf(doc.scope!).set(doc.n!, doc);
  }

  /**
   * Recovers the stale slots of every scope at its limit (only those with a slot that may be
   * stale are read again); those still full are left out.
   */
  async recoverFull(): Promise<void> {
    for (const scope of [...this.taken.keys()]) {
      const limit = this.limitOf(scope);
      const slots = this.slotsOf(scope);
      if (slots.size < limit) continue;
      const { control, now, staleAfterMs } = this;
      if (mayBeStale(control, slots.values(), now, staleAfterMs))
        await this.recover(scope);
      if (this.slotsOf(scope).size >= limit) this.full.add(scope);
    }
  }

  /** What the claim's find leaves out: workflows whose name, key or start is at its limit. */
  exclusions(): Filter<WorkflowDocument>[] {
    const nor: Filter<WorkflowDocument>[] = [];
    for (const scope of this.full) {
      const [name, key] = JSON.parse(scope) as [string, string?];
      nor.push(
        key === undefined
          ? { name: { $eq: name }, leaseToken: { $exists: false } }
          : {
              name: { $eq: name },
              concurrencyKey: { $eq: key },
              leaseToken: { $exists: false },
            },
      );
    }
    nor.push(...this.starts.exclusions());
    return nor.length > 0 ? [{ $nor: nor }] : [];
  }

  /**
   * Takes what claiming `candidate` under `lease` needs (its slots, its start's number), or
   * answers undefined, taking nothing, when that would exceed a limit.
   */
  async admit(
    candidate: FlowCandidate,
    lease: Lease,
  ): Promise<Admission | undefined> {
    const limit = this.limits.get(candidate.name);
    if (!limit) return { slots: [] };
    // A leased workflow (a lapsed lease taken over) already holds its slots.
    if (candidate.leaseToken !== undefined)
      return { slots: [], takenOver: candidate.leaseToken };
    const first = (candidate.attempts ?? candidate.epoch) === 0;
    if (first && this.starts.refuses(candidate)) return undefined;
    const scopes: [string, number][] = [];
    if (limit.concurrency !== undefined)
      scopes.push([scopeOf(candidate.name), limit.concurrency]);
    if (limit.perKey !== undefined && candidate.concurrencyKey != null)
      scopes.push([
        scopeOf(candidate.name, candidate.concurrencyKey),
        limit.perKey,
      ]);
    if (scopes.some(([scope]) => this.full.has(scope))) return undefined;
    // The name's slot and the key's are taken together (one round trip's wait).
    const docs = await Promise.all(
      scopes.map(([scope, most]) =>
        this.takeSlot(scope, most, candidate._id, lease.token),
      ),
    );
    const admission: Admission = {
      slots: docs.filter((doc): doc is FlowDocument => doc !== undefined),
    };
    if (admission.slots.length < scopes.length) {
      await this.giveBack(admission);
      return undefined;
    }
    if (first && (limit.rate || limit.keyRate)) {
      const starts = await this.starts.admit(candidate, limit);
      if (!starts) {
        await this.giveBack(admission);
        return undefined;
      }
      admission.starts = starts;
    }
    return admission;
  }

  /** Whether the claim already knows `candidate` cannot be taken (its name or key is full). */
  refuses(candidate: FlowCandidate): boolean {
    const limit = this.limits.get(candidate.name);
    if (!limit || candidate.leaseToken !== undefined) return false;
    if (
      (candidate.attempts ?? candidate.epoch) === 0 &&
      this.starts.refuses(candidate)
    )
      return true;
    return (
      this.full.has(scopeOf(candidate.name)) ||
      (candidate.concurrencyKey != null &&
        this.full.has(scopeOf(candidate.name, candidate.concurrencyKey)))
    );
  }

  /** Gives back what a claim took for a workflow it then did not win. */
  async giveBack(admission: Admission): Promise<void> {
    const { flow } = this.control;
    for (const doc of admission.slots) {
      const slots = this.slotsOf(doc.scope!);
      if (slots.get(doc.n!)?._id === doc._id) slots.delete(doc.n!);
      this.full.delete(doc.scope!);
    }
    if (admission.slots.length > 0)
      await flow.deleteMany({
        _id: { $in: admission.slots.map((doc) => doc._id) },
      });
    if (admission.starts) await this.starts.giveBack(admission.starts);
  }

  private async takeSlot(
    scope: string,
    most: number,
    workflowId: string,
    leaseToken: string,
  ): Promise<FlowDocument | undefined> {
    const [name] = JSON.parse(scope) as [string];
    for (let pass = 0; pass < 2; pass++) {
      const slots = this.slotsOf(scope);
      for (let n = 0; n < most && slots.size < most; n++) {
        if (slots.has(n)) continue;
        const doc: FlowDocument = {
          _id: `${slotOf(scope, n)}:${leaseToken}`,
          kind: 'slot',
          name,
          scope,
          n,
          slot: slotOf(scope, n),
          workflowId,
          leaseToken,
          at: this.now,
        };
        try {
          await this.control.flow.insertOne(doc);
          slots.set(n, doc);
          return doc;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          slots.set(n, { ...doc, at: this.now });
        }
      }
      if (pass === 0) await this.recover(scope);
    }
    this.full.add(scope);
    return undefined;
  }

  /** Reads the scope's slots again, deleting those whose lease is gone. */
  private async recover(scope: string): Promise<void> {
    this.taken.set(
      scope,
      await recoverStale(this.control, scope, this.now, this.staleAfterMs),
    );
  }

  private slotsOf(scope: string): Map<number, FlowDocument> {
    let slots = this.taken.get(scope);
    if (!slots)
      this.taken.set(scope, (slots = new Map<number, FlowDocument>()));
    return slots;
  }

  private limitOf(scope: string): number {
    const [name, key] = JSON.parse(scope) as [string, string?];
    const limit = this.limits.get(name);
    return (key === undefined ? limit?.concurrency : limit?.perKey) ?? Infinity;
  }
}
