import type { Collection, Filter } from 'mongodb';
import type { FlowLimit } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import { isDuplicateKey } from './mongo.errors';
import type { FlowCandidate, FlowDocument } from './mongo.flow-control';

/*
 * Rate limits in the MongoDB store (see `mongo.flow-control.ts`): the starts of a name are
 * numbered documents of `<prefix>flow`, `start:["name"]:k`, and those of a name and key (a rate
 * limit per key, `FlowLimit.keyRate`) are numbered apart, `start:["name","key"]:k` (kind
 * `key-start`). A claim reads the scope's starts, counts the workflows of those not void in the
 * last `perMs`, and, below `max`, inserts number head + 1: of two claims that counted the same
 * starts, only one inserts that number; the other counts it as a start of the window (one it
 * did not read, made by another instance: it cannot be older) and numbers the next, without
 * reading the starts again; only when that count reaches `max` does it read them again (one
 * of those may have been voided since), so that no permit is lost to contention. Two starts of one workflow (two
 * claims racing for it: one wins it, the other voids its start) count once. The workflows of the
 * scope first claimed in the window (`firstClaimedAt`, index `lidex_first_claimed`) count too,
 * so that starts made while no instance declared the limit (no start numbered) are not missed.
 *
 * A number once taken is never free again while a claim may still try it: a claim tries the
 * numbers after the head it read, and one deleted in between would let it insert that number
 * without counting those after it (a start over the rate). So a claim numbers starts only in
 * its first `perMs` (time passed, not its `now`, which is fixed), and the sweep deletes only
 * starts older than `3 × perMs`, void or not: any such start was inserted more than `perMs`
 * before the sweep, after the read of any claim that could try its number again, and that
 * claim is past its `perMs` (see `test/stores/mongo-flow-starts.spec.ts`).
 */

type Rate = { max: number; perMs: number };

/** A scope's starts as a claim knows them. */
interface Known {
  /** The highest number known taken. */
  head: number;
  /** The starts read, and those this claim numbered. */
  docs: FlowDocument[];
  /** The scope's workflows first claimed in the window, as read. */
  firstClaimed: string[];
  /** Numbers found taken by another instance after the read: each one start in the window. */
  elsewhere: number;
}

const scopeOf = (name: string, key?: string) =>
  JSON.stringify(key === undefined ? [name] : [name, key]);
const startId = (scope: string, seq: number) => `start:${scope}:${seq}`;
/** How many times a claim at a rate limit reads the starts again (see `take`). */
const START_READS = 5;
/** Starts kept beyond four times the rate's `max` (a sweep keeps three windows) before any is deleted. */
const SWEEP_AFTER = 50;

/** One claim's view of the starts of its rate-limited names and keys. */
export class FlowStarts {
  /** Names at their rate limit for this claim. */
  readonly rated = new Set<string>();
  /** Scopes `["name","key"]` at their rate limit per key for this claim. */
  private readonly ratedKeys = new Set<string>();
  /** Per scope, its starts as read (and taken) by this claim. */
  private readonly starts = new Map<string, Known>();
  /** When this claim began, to bound how long it numbers starts (see above). */
  private readonly began = performance.now();

  constructor(
    private readonly flow: Collection<FlowDocument>,
    private readonly workflows: Collection<WorkflowDocument>,
    private readonly now: number,
  ) {}

  /** What the claim's find leaves out: first claims of a name or key at its rate limit. */
  exclusions(): Filter<WorkflowDocument>[] {
    const nor: Filter<WorkflowDocument>[] = [];
    if (this.rated.size > 0)
      nor.push({ name: { $in: [...this.rated] }, attempts: 0 });
    for (const scope of this.ratedKeys) {
      const [name, key] = JSON.parse(scope) as [string, string];
      nor.push({
        name: { $eq: name },
        concurrencyKey: { $eq: key },
        attempts: 0,
      });
    }
    return nor;
  }

  /**
   * Reads the starts of every name with a rate limit (not those per key, which depend on the
   * candidates), so that the claim reads them with its candidates rather than after.
   */
  async readAhead(limits: ReadonlyMap<string, FlowLimit>): Promise<void> {
    await Promise.all(
      [...limits]
        .filter(([, limit]) => limit.rate)
        .map(([name, limit]) =>
          this.readStarts(scopeOf(name), name, undefined, limit.rate!),
        ),
    );
  }

  /** Whether the claim already knows the first claim of `candidate` is over a rate limit. */
  refuses(candidate: FlowCandidate): boolean {
    return (
      this.rated.has(candidate.name) ||
      (candidate.concurrencyKey != null &&
        this.ratedKeys.has(scopeOf(candidate.name, candidate.concurrencyKey)))
    );
  }

  /**
   * Numbers the starts a first claim of `candidate` needs (its name's, its key's), or answers
   * undefined, leaving none taken, when a rate limit allows no start now.
   */
  async admit(
    candidate: FlowCandidate,
    limit: FlowLimit,
  ): Promise<string[] | undefined> {
    const taken: string[] = [];
    const { name, concurrencyKey: key } = candidate;
    if (limit.rate) {
      const start = await this.take(candidate._id, name, undefined, limit.rate);
      if (!start) return undefined;
      taken.push(start);
    }
    if (limit.keyRate && key != null) {
      const start = await this.take(candidate._id, name, key, limit.keyRate);
      if (!start) {
        await this.giveBack(taken);
        return undefined;
      }
      taken.push(start);
    }
    return taken;
  }

  /** A start once numbered keeps its number (the next is counted after it); void, it no longer counts. */
  async giveBack(starts: readonly string[]): Promise<void> {
    for (const known of this.starts.values())
      for (const doc of known.docs)
        if (starts.includes(doc._id)) doc.void = true;
    if (starts.length > 0)
      await this.flow.updateMany(
        { _id: { $in: [...starts] } },
        { $set: { void: true } },
      );
  }

  /** Numbers a start of the scope, if its rate allows one now; else notes the scope rated. */
  private async take(
    workflowId: string,
    name: string,
    key: string | undefined,
    rate: Rate,
  ): Promise<string | undefined> {
    const scope = scopeOf(name, key);
    if (performance.now() - this.began > rate.perMs) {
      // Too long a claim: its read may be older than a sweep; the next claim starts it.
      if (key === undefined) this.rated.add(name);
      else this.ratedKeys.add(scope);
      return undefined;
    }
    let known =
      this.starts.get(scope) ?? (await this.readStarts(scope, name, key, rate));
    const since = this.now - rate.perMs;
    const count = () => {
      const counted = new Set(known.firstClaimed);
      for (const doc of known.docs)
        if (!doc.void && doc.at > since) counted.add(doc.workflowId ?? doc._id);
      return counted.size + known.elsewhere;
    };
    for (let reads = 0; ;) {
      if (count() >= rate.max) {
        // At the limit counting numbers taken elsewhere, unread: one may have been given back
        // (void) since. Read again before refusing, a few times at most.
        if (known.elsewhere === 0 || ++reads > START_READS) break;
        known = await this.readStarts(scope, name, key, rate);
        continue;
      }
      const seq = known.head + 1;
      const doc: FlowDocument = {
        _id: startId(scope, seq),
        kind: key === undefined ? 'start' : 'key-start',
        name,
        ...(key === undefined ? {} : { scope }),
        seq,
        workflowId,
        at: this.now,
        // No count or claim needs it after that (see above): retention may delete it then.
        expiresAt: this.now + 3 * rate.perMs,
      };
      try {
        await this.flow.insertOne(doc);
        known.head = seq;
        known.docs.push(doc);
        return doc._id;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another instance numbered this start since the read: it counts, the next is tried.
        known.head = seq;
        known.elsewhere += 1;
      }
    }
    if (key === undefined) this.rated.add(name);
    else this.ratedKeys.add(scope);
    return undefined;
  }

  /**
   * The scope's starts (those not swept), the highest number, and the scope's workflows first
   * claimed in the window (up to `max`: that many are enough to refuse). Deletes, now and then,
   * the starts no count or claim can need: older than `3 × perMs` (void or not, see above), all
   * but the highest (kept, so that the numbers go on after it).
   */
  private async readStarts(
    scope: string,
    name: string,
    key: string | undefined,
    { max, perMs }: Rate,
  ): Promise<Known> {
    const { flow } = this;
    const filter: Filter<FlowDocument> =
      key === undefined
        ? { kind: 'start', name }
        : { kind: 'key-start', scope };
    const [docs, firstClaimed] = await Promise.all([
      flow.find(filter).toArray(),
      this.workflows
        .find(
          {
            name,
            ...(key === undefined ? {} : { concurrencyKey: key }),
            firstClaimedAt: { $gt: this.now - perMs },
          },
          { projection: { _id: 1 }, limit: max },
        )
        .toArray(),
    ]);
    const head = Math.max(-1, ...docs.map((doc) => doc.seq!));
    if (docs.length > 4 * max + SWEEP_AFTER)
      await flow.deleteMany({
        ...filter,
        seq: { $lt: head },
        at: { $lte: this.now - 3 * perMs },
      });
    const known: Known = {
      head,
      docs,
      firstClaimed: firstClaimed.map((w) => w._id),
      elsewhere: 0,
    };
    this.starts.set(scope, known);
    return known;
  }
}
