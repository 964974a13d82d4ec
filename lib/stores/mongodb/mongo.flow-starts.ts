import type { Collection } from 'mongodb';
import type { FlowLimit } from '../persistence';
import { isDuplicateKey } from './mongo.errors';
import type { FlowDocument } from './mongo.flow-control';

/*
 * Rate limits in the MongoDB store (see `mongo.flow-control.ts`): the starts of a name are
 * numbered documents of `<prefix>flow`, `start:["name"]:k`. A claim reads the name's starts,
 * counts those not void in the last `perMs`, and, below `max`, inserts number head + 1: of two
 * claims that counted the same starts, only one inserts that number (the other reads again).
 */

const startId = (name: string, seq: number) =>
  `start:${JSON.stringify([name])}:${seq}`;
/** Starts kept beyond twice the rate's `max` before those no count needs are deleted. */
const SWEEP_AFTER = 50;
/** How many times a start is numbered again after another instance took its number. */
const START_TRIES = 5;

/** One claim's view of the starts of its rate-limited names. */
export class FlowStarts {
  /** Names at their rate limit for this claim. */
  readonly rated = new Set<string>();
  /** Per name, its starts as read (and taken) by this claim. */
  private readonly starts = new Map<
    string,
    { head: number; docs: FlowDocument[] }
  >();

  constructor(
    private readonly flow: Collection<FlowDocument>,
    private readonly limits: ReadonlyMap<string, FlowLimit>,
    private readonly now: number,
  ) {}

  /** Numbers a start of `name`, if its rate limit allows one now; else notes it `rated`. */
  async take(
    name: string,
    rate: { max: number; perMs: number },
  ): Promise<string | undefined> {
    const { flow } = this;
    for (let tries = 0; tries < START_TRIES; tries++) {
      const known = this.starts.get(name) ?? (await this.readStarts(name));
      const since = this.now - rate.perMs;
      const counted = known.docs.filter((doc) => !doc.void && doc.at > since);
      if (counted.length >= rate.max) break;
      const seq = known.head + 1;
      const doc: FlowDocument = {
        _id: startId(name, seq),
        kind: 'start',
        name,
        seq,
        at: this.now,
      };
      try {
        await flow.insertOne(doc);
        known.head = seq;
        known.docs.push(doc);
        return doc._id;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        this.starts.delete(name);
      }
    }
    this.rated.add(name);
    return undefined;
  }

  /**
   * The name's starts (those not swept) and the highest number. Deletes, now and then, those
   * no count can need: older than any window, or void, all but the highest.
   */
  private async readStarts(
    name: string,
  ): Promise<{ head: number; docs: FlowDocument[] }> {
    const { flow } = this;
    const docs = await flow.find({ kind: 'start', name }).toArray();
    const head = Math.max(-1, ...docs.map((doc) => doc.seq!));
    const perMs = this.limits.get(name)?.rate?.perMs ?? 0;
    const max = this.limits.get(name)?.rate?.max ?? 0;
    if (docs.length > 2 * max + SWEEP_AFTER)
      await flow.deleteMany({
        kind: 'start',
        name,
        seq: { $lt: head },
        $or: [{ void: true }, { at: { $lte: this.now - 2 * perMs } }],
      });
    const known = { head, docs };
    this.starts.set(name, known);
    return known;
  }
}
