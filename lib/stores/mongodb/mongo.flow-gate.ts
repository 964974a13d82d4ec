import type { Filter } from 'mongodb';
import type { FlowLimit, Lease } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import type { MongoFlowControl } from './mongo.flow-control';
import type {
  Admission,
  FlowCandidate,
  FlowDocument,
} from './mongo.flow-documents';
import { mayBeStale, recoverStale } from './mongo.flow-recovery';
import { insertSlots, slotHolding } from './mongo.flow-slot-inserts';
import type { FlowStarts } from './mongo.flow-starts';

/** A limit's scope: `["name"]` for the name's, `["name","key"]` for a key's. */
const scopeOf = (name: string, key?: string) =>
  JSON.stringify(key === undefined ? [name] : [name, key]);

/** One claim's view of the limits: which slots are taken, which names and keys are full. */
export class FlowGate {
  private readonly taken = new Map<string, Map<number, FlowDocument>>();
  private readonly full = new Set<string>();
  /** Give-backs sent by `admit` and not awaited yet (`givenBack`). */
  private readonly givingBack: Promise<void>[] = [];
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
    const takenOver = candidate.leaseToken;
    const first =
      takenOver === undefined && (candidate.attempts ?? candidate.epoch) === 0;
    if (first && this.starts.refuses(candidate)) return undefined;
    let scopes: [string, number][] = [];
    if (limit.concurrency !== undefined)
      scopes.push([scopeOf(candidate.name), limit.concurrency]);
    if (limit.perKey !== undefined && candidate.concurrencyKey != null)
      scopes.push([
        scopeOf(candidate.name, candidate.concurrencyKey),
        limit.perKey,
      ]);
    // A lapsed lease taken over keeps the slots it holds; it takes those it lacks (its claim
    // had no limits, or its process died before its slots were inserted).
    if (takenOver !== undefined)
      scopes = scopes.filter(([scope]) => !this.holds(scope, candidate._id));
    if (scopes.some(([scope]) => this.full.has(scope))) return undefined;
    const admission: Admission = {
      slots: await this.takeSlots(scopes, candidate._id, lease.token),
      ...(takenOver === undefined ? {} : { takenOver }),
    };
    if (admission.slots.length < scopes.length) {
      this.sendGiveBack(admission);
      return undefined;
    }
    if (first && (limit.rate || limit.keyRate)) {
      const starts = await this.starts.admit(candidate, limit);
      if (!starts) {
        this.sendGiveBack(admission);
        return undefined;
      }
      admission.starts = starts;
    }
    return admission;
  }

  /** Whether the claim already knows `candidate` cannot be taken (its name or key is full). */
  refuses(candidate: FlowCandidate): boolean {
    const limit = this.limits.get(candidate.name);
    // A lease taken over may hold its slots: `admit` decides.
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

  /**
   * Gives back what a claim took for a workflow it then did not win. Its slots count free once
   * their delete is answered (before, taking one again would only meet the holding deleted).
   */
  async giveBack(admission: Admission): Promise<void> {
    const { flow } = this.control;
    if (admission.slots.length > 0)
      await flow.deleteMany({
        _id: { $in: admission.slots.map((doc) => doc._id) },
      });
    for (const doc of admission.slots) {
      const slots = this.slotsOf(doc.scope!);
      if (slots.get(doc.n!)?._id === doc._id) slots.delete(doc.n!);
      this.full.delete(doc.scope!);
    }
    if (admission.starts) await this.starts.giveBack(admission.starts);
  }

  /**
   * The give-backs `admit` sent (a candidate refused after some of its slots were taken): each
   * is sent while the next candidate is admitted, and awaited here, their outcomes answered.
   */
  async givenBack(): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(this.givingBack.splice(0));
  }

  private sendGiveBack(admission: Admission): void {
    this.givingBack.push(this.giveBack(admission));
  }

  /**
   * Takes a slot of each scope for `workflowId`: the free ones as read, in one insert (the name's
   * and the key's in one round trip); those refused, taken since the read, on the next free
   * numbers. A scope seen full is read again once if a slot of it may be stale (one taken since
   * the read is not), else noted full. Answers the slots taken, fewer than the scopes if one is full.
   */
  private async takeSlots(
    scopes: readonly [string, number][],
    workflowId: string,
    leaseToken: string,
  ): Promise<FlowDocument[]> {
    const held = new Map<string, FlowDocument>();
    const recovered = new Set<string>();
    const { control, now, staleAfterMs } = this;
    for (;;) {
      const wanted: FlowDocument[] = [];
      for (const [scope, most] of scopes) {
        if (held.has(scope)) continue;
        let n = this.freeSlot(scope, most);
        const slots = () => this.slotsOf(scope).values();
        if (
          n === undefined &&
          !recovered.has(scope) &&
          mayBeStale(control, slots(), now, staleAfterMs)
        ) {
          recovered.add(scope);
          await this.recover(scope);
          n = this.freeSlot(scope, most);
        }
        if (n === undefined) {
          this.full.add(scope);
          return [...held.values()];
        }
        wanted.push(slotHolding(scope, n, workflowId, leaseToken, now));
      }
      if (wanted.length === 0) return scopes.map(([scope]) => held.get(scope)!);
      const done = control.slotNumbers.insert(wanted);
      const refused = await insertSlots(control.flow, wanted).finally(done);
      for (const [i, doc] of wanted.entries()) {
        this.slotsOf(doc.scope!).set(doc.n!, doc);
        if (refused.includes(i)) continue;
        held.set(doc.scope!, doc);
        control.slotNumbers.took(doc.scope!, doc.n!);
      }
    }
  }

  /**
   * A slot of `scope` below `most` not seen taken, if any: looked for from the one this store
   * took last (`SlotNumbers`), so that claims of several instances at once seldom insert the
   * same one.
   */
  private freeSlot(scope: string, most: number): number | undefined {
    const slots = this.slotsOf(scope);
    if (slots.size >= most) return undefined;
    const from = this.control.slotNumbers.from(scope, most);
    for (let i = 0; i < most; i++) {
      const n = (from + i) % most;
      if (!slots.has(n)) return n;
    }
    return undefined;
  }

  /** Reads the scope's slots again, deleting those whose lease is gone. */
  private async recover(scope: string): Promise<void> {
    this.taken.set(
      scope,
      await recoverStale(this.control, scope, this.now, this.staleAfterMs),
    );
  }

  /** Whether `workflowId` holds a slot of `scope`, as read (under any lease). */
  private holds(scope: string, workflowId: string): boolean {
    for (const doc of this.slotsOf(scope).values())
      if (doc.workflowId === workflowId) return true;
    return false;
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
