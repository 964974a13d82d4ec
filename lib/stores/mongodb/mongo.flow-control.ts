import type { Collection, Filter } from 'mongodb';
import type { FlowLimit, Lease } from '../persistence';
import { byId, type WorkflowDocument } from './mongo.documents';
import { isDuplicateKey } from './mongo.errors';
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
 * the limit reached, and deleted.
 */

/** One document of `<prefix>flow`: a slot held, a numbered start, or an upgrade done. */
export interface FlowDocument {
  _id: string;
  kind: 'slot' | 'start' | 'key-start' | 'upgrade';
  name?: string;
  /** A slot's (or key start's) scope: `["name"]` for the name's limit, `["name","key"]` for a key's. */
  scope?: string;
  /** A slot's number, from 0, below the limit. */
  n?: number;
  /** The workflow that took the slot (or the start). */
  workflowId?: string;
  /** The lease that took the slot. */
  leaseToken?: string;
  /** A start's number, from 0. */
  seq?: number;
  /** A start given back: its workflow was not claimed after all. */
  void?: boolean;
  at: number;
}

/** A ready workflow as a limited claim reads it. */
export type FlowCandidate = Pick<
  WorkflowDocument,
  '_id' | 'epoch' | 'name' | 'concurrencyKey' | 'attempts' | 'leaseToken'
>;

export const FLOW_CANDIDATE_PROJECTION = {
  _id: 1,
  epoch: 1,
  name: 1,
  concurrencyKey: 1,
  attempts: 1,
  leaseToken: 1,
} as const;

/** What a claim took for one workflow before winning it; given back if it loses. */
export interface Admission {
  slots: string[];
  /** The starts numbered for a first claim (its name's, its key's). */
  starts?: string[];
  /** The lease taken over (a lapsed one): its slots are this claim's now. */
  takenOver?: string;
}

const scopeOf = (name: string, key?: string) =>
  JSON.stringify(key === undefined ? [name] : [name, key]);
const slotId = (scope: string, n: number) => `slot:${scope}:${n}`;
/** Leases and checked slots remembered at most (a checked one forgotten is looked up again). */
const MAX_VERIFIED = 10_000;

/** The store's side: slots held by its leases, last start numbers seen, slots checked. */
export class MongoFlowControl {
  private readonly held = new Map<
    string,
    { workflowId: string; tokens: string[] }
  >();
  /** Slots found held by a leased workflow, `id token` → when: not looked up again soon. */
  readonly verified = new Map<string, number>();

  constructor(
    readonly flow: Collection<FlowDocument>,
    readonly workflows: Collection<WorkflowDocument>,
  ) {}

  /** A claim's gate: the slots of its limited names, read once, stale ones recovered. */
  async gate(
    limits: ReadonlyMap<string, FlowLimit>,
    now: number,
    staleAfterMs: number,
  ): Promise<FlowGate> {
    const slotted = [...limits]
      .filter(([, limit]) => limit.concurrency ?? limit.perKey)
      .map(([name]) => name);
    const docs =
      slotted.length === 0
        ? []
        : await this.flow
            .find({ kind: 'slot', name: { $in: slotted } })
            .toArray();
    const gate = new FlowGate(this, limits, now, staleAfterMs, docs);
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

  /** The lease ended by a write that was applied: its slots are deleted (after the write). */
  async freed(leaseToken: string): Promise<void> {
    const held = this.held.get(leaseToken);
    if (!held) return;
    this.held.delete(leaseToken);
    await this.flow.deleteMany({
      kind: 'slot',
      workflowId: held.workflowId,
      leaseToken: { $in: held.tokens },
    });
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
  private readonly starts: FlowStarts;

  constructor(
    private readonly control: MongoFlowControl,
    private readonly limits: ReadonlyMap<string, FlowLimit>,
    private readonly now: number,
    private readonly staleAfterMs: number,
    docs: FlowDocument[],
  ) {
    this.starts = new FlowStarts(control.flow, control.workflows, now);
    for (const doc of docs) this.slotsOf(doc.scope!).set(doc.n!, doc);
  }

  /** Recovers the stale slots of every scope at its limit; those still full are left out. */
  async recoverFull(): Promise<void> {
    for (const scope of [...this.taken.keys()]) {
      const limit = this.limitOf(scope);
      if (this.slotsOf(scope).size < limit) continue;
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
    const ids = await Promise.all(
      scopes.map(([scope, most]) =>
        this.takeSlot(scope, most, candidate._id, lease.token),
      ),
    );
    const admission: Admission = {
      slots: ids.filter((id): id is string => id !== undefined),
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
    for (const id of admission.slots) {
      const [scope, n] = splitSlot(id);
      this.slotsOf(scope).delete(n);
      this.full.delete(scope);
    }
    if (admission.slots.length > 0)
      await flow.deleteMany({ _id: { $in: admission.slots } });
    if (admission.starts) await this.starts.giveBack(admission.starts);
  }

  private async takeSlot(
    scope: string,
    most: number,
    workflowId: string,
    leaseToken: string,
  ): Promise<string | undefined> {
    const [name] = JSON.parse(scope) as [string];
    for (let pass = 0; pass < 2; pass++) {
      const slots = this.slotsOf(scope);
      for (let n = 0; n < most && slots.size < most; n++) {
        if (slots.has(n)) continue;
        const doc: FlowDocument = {
          _id: slotId(scope, n),
          kind: 'slot',
          name,
          scope,
          n,
          workflowId,
          leaseToken,
          at: this.now,
        };
        try {
          await this.control.flow.insertOne(doc);
          slots.set(n, doc);
          return doc._id;
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

  /**
   * Deletes the scope's slots whose lease is gone: older than a lease (a claim under way is
   * younger) and their workflow not leased. Reads the scope's slots again first.
   */
  private async recover(scope: string): Promise<void> {
    const { flow, workflows, verified } = this.control;
    const docs = await flow.find({ kind: 'slot', scope }).toArray();
    const slots = new Map(docs.map((doc) => [doc.n!, doc]));
    this.taken.set(scope, slots);
    for (const doc of docs) {
      if (doc.at > this.now - this.staleAfterMs) continue;
      const key = `${doc._id} ${doc.leaseToken}`;
      if ((verified.get(key) ?? -Infinity) > this.now - this.staleAfterMs)
        continue;
      const workflow = await workflows.findOne(byId(doc.workflowId!), {
        projection: { leaseToken: 1 },
      });
      if (workflow?.leaseToken !== undefined) {
        if (verified.size >= MAX_VERIFIED) verified.clear();
        verified.set(key, this.now);
        continue;
      }
      verified.delete(key);
      await flow.deleteOne({
        _id: doc._id,
        workflowId: doc.workflowId,
        leaseToken: doc.leaseToken,
      });
      slots.delete(doc.n!);
    }
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

function splitSlot(id: string): [string, number] {
  const at = id.lastIndexOf(':');
  return [id.slice('slot:'.length, at), Number(id.slice(at + 1))];
}
