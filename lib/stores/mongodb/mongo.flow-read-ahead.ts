import type { Collection } from 'mongodb';
import type { ClaimOptions, FlowLimit } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import { readCandidates } from './mongo.flow-candidates';
import type { FlowCandidate, FlowDocument } from './mongo.flow-documents';

/** What a limited claim reads first, together: the slots of its names, its first candidates. */
export interface FirstRead {
  slots: Promise<FlowDocument[]>;
  candidates: Promise<FlowCandidate[]>;
  /** How many candidates were asked for: fewer answered means none is left. */
  asked: number;
}

/** Candidates read per round beyond those wanted, for those skipped or won elsewhere. */
export const SPARE_CANDIDATES = 4;

/** A read sent ahead is used by a claim no later than this after its `now`, else dropped. */
const READ_AHEAD_MS = 100;

/** The names of `limits` with a concurrency limit (theirs are the slots a claim reads). */
export const slottedNames = (limits: ReadonlyMap<string, FlowLimit>) =>
  [...limits]
    .filter(([, limit]) => limit.concurrency ?? limit.perKey)
    .map(([name]) => name);

/** Reads the slots held of the `names`' limits. */
export const readSlots = (
  flow: Collection<FlowDocument>,
  names: string[],
): Promise<FlowDocument[]> =>
  names.length === 0
    ? Promise.resolve([])
    : flow.find({ kind: 'slot', name: { $in: names } }).toArray();

/**
 * The first read of this store's next limited claim, sent with the write that ends a run that
 * held slots (`MongoFlowControl.ending`): the worker claims again as soon as that write is
 * answered, which a claim then does not wait for a second time. Read with the last limited
 * claim's options, and used only by a claim with the same ones within `READ_AHEAD_MS` (and its
 * candidates read again if they were all there was: see `first`). Stale
 * by then at most by a round trip, as any claim's read is by the time it acts: a slot taken
 * since is refused at its insert (the unique index decides), a candidate won elsewhere is lost
 * at its win. Not for rate limits, whose starts are counted at the claim's own `now`.
 */
export class FlowReadAhead {
  private last?: { options: ClaimOptions; leases: number };
  private sent?: {
    now: number;
    /** `performance.now()` when sent: a clock that stands still (a test's) ages it too. */
    sentAt: number;
    options: ClaimOptions;
    read: FirstRead;
  };

  constructor(
    private readonly flow: Collection<FlowDocument>,
    private readonly workflows: Collection<WorkflowDocument>,
  ) {}

  /** A limited claim's first read, sent now (`first`) or taken from the one sent ahead. */
  first(now: number, options: ClaimOptions, leases: number): FirstRead {
    const sent = this.sent;
    this.sent = undefined;
    this.last = { options: { ...options, oldestFirst: false }, leases };
    if (
      !sent ||
      now < sent.now ||
      now - sent.now > READ_AHEAD_MS ||
      performance.now() - sent.sentAt > READ_AHEAD_MS ||
      !sameReads(sent.options, options)
    )
      return this.read(now, options, leases);
    // A read ahead that found all there was ready (fewer than asked) is read again: a workflow
    // started since, with nothing else ready, would otherwise wait for the next poll.
    const { asked } = sent.read;
    const candidates = sent.read.candidates.then((read) =>
      read.length < asked
        ? readCandidates(this.workflows, { now, options, limit: asked })
        : read,
    );
    return { ...sent.read, candidates };
  }

  /** Sends the next claim's first read ahead, if the last claim's options allow one. */
  send(now: number): void {
    const last = this.last;
    if (!last || [...last.options.limits!.values()].some(isRated)) return;
    const read = this.read(now, last.options, last.leases);
    // Dropped unused, a read ahead must not fail unheard: its failure is raised by the claim.
    read.slots.catch(() => undefined);
    read.candidates.catch(() => undefined);
    this.sent = {
      now,
      sentAt: performance.now(),
      options: last.options,
      read,
    };
  }

  /** Resolves once the read sent ahead, if any, has been answered (before the client closes). */
  async drained(): Promise<void> {
    const read = this.sent?.read;
    await Promise.allSettled(read ? [read.slots, read.candidates] : []);
  }

  private read(now: number, options: ClaimOptions, leases: number): FirstRead {
    const asked = leases + SPARE_CANDIDATES;
    return {
      slots: readSlots(this.flow, slottedNames(options.limits!)),
      candidates: readCandidates(this.workflows, {
        now,
        options,
        limit: asked,
      }),
      asked,
    };
  }
}

const isRated = (limit: FlowLimit) => Boolean(limit.rate || limit.keyRate);

/** Whether two claims read the same: the same limits, versions and order. */
const sameReads = (a: ClaimOptions, b: ClaimOptions) =>
  Boolean(a.oldestFirst) === Boolean(b.oldestFirst) &&
  sameEntries(a.limits, b.limits) &&
  sameEntries(a.versions, b.versions);

const sameEntries = (
  a: ReadonlyMap<string, unknown> | undefined,
  b: ReadonlyMap<string, unknown> | undefined,
) =>
  a === b || JSON.stringify([...(a ?? [])]) === JSON.stringify([...(b ?? [])]);
