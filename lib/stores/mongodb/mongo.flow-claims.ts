import type { Collection, Filter, Sort } from 'mongodb';
import type { ClaimOptions, ClaimedWorkflow, Lease } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import {
  FLOW_CANDIDATE_PROJECTION,
  slottedNames,
  type FlowCandidate,
  type FlowGate,
  type MongoFlowControl,
} from './mongo.flow-control';
import type { Admission } from './mongo.flow-documents';
import { readFirstApart, readFirstFolded } from './mongo.flow-first-read';
import { skipNewerVersions } from './mongo.versions';

/**
 * The claim's order: priority (highest first), then oldest `readyAt`; with `oldestFirst`,
 * `readyAt` alone. Served by the `lidex_priority_ready` index (`lidex_ready` for the oldest).
 */
export const claimOrder = (options: ClaimOptions | undefined): Sort =>
  options?.oldestFirst ? { readyAt: 1 } : { priority: -1, readyAt: 1 };

/** Whether a claim must go through the flow gate: the worker has limits to apply. */
export const isLimited = (options: ClaimOptions | undefined): boolean =>
  (options?.limits?.size ?? 0) > 0;

/** Wins one candidate for a lease (as read: same epoch, still ready), or answers undefined. */
export type Arbiter = (
  candidate: FlowCandidate,
  lease: Lease,
) => Promise<ClaimedWorkflow | undefined>;

/** Candidates read per round beyond those wanted, for those skipped or won elsewhere. */
const SPARE_CANDIDATES = 4;

/**
 * A claim with flow limits: reads ready workflows in claim order (leaving out those of a name
 * or key the claim knows to be at its limit), takes each one's slots and start number first
 * (`FlowGate.admit`), then wins it (`arbiter`), giving back what it took if it loses. The
 * admissions go one after another (each sees what the last took); each win is sent as soon as
 * its admission is in, while the next candidate is admitted, so a batch of N waits for about N
 * round trips rather than 2N. Looks at no more than `4 × leases + 20` candidates.
 */
export async function claimLimited(
  workflows: Collection<WorkflowDocument>,
  control: MongoFlowControl,
  arbiter: Arbiter,
  claimed: ClaimedWorkflow[],
  now: number,
  leases: Lease[],
  options: ClaimOptions,
): Promise<void> {
  const passed: string[] = [];
  const readyAnd = (exclusions: Filter<WorkflowDocument>[]) => {
    const parts: Filter<WorkflowDocument>[] = [
      { readyAt: { $lte: now } },
      skipNewerVersions(options),
      ...exclusions,
      ...(passed.length > 0 ? [{ _id: { $nin: passed } }] : []),
    ].filter((part) => Object.keys(part).length > 0);
    return { $and: parts };
  };
  const read = (limit: number, exclusions: Filter<WorkflowDocument>[]) =>
    workflows
      .find(readyAnd(exclusions), {
        sort: claimOrder(options),
        limit,
        projection: FLOW_CANDIDATE_PROJECTION,
      })
      .toArray();
  // The slots and the first candidates are read together: what the gate then finds full is
  // refused without a round trip, and left out of the next reads.
  // The ready compensating workflows, oldest first, are read with them and come first: a
  // cancelled workflow's compensations take the next free slot of its name and key. Where
  // each read scans every ready workflow, all three are one aggregation (`readFirstFolded`).
  const firstLimit = leases.length + SPARE_CANDIDATES;
  const slotted = slottedNames(options.limits!);
  const first = control.foldsFirstRead
    ? readFirstFolded(
        workflows,
        control.flow,
        readyAnd([]),
        options,
        firstLimit,
        slotted,
      )
    : readFirstApart(
        workflows,
        control.flow,
        readyAnd([]),
        claimOrder(options),
        firstLimit,
        slotted,
      );
  const [gate, { candidates: firstRead }] = await Promise.all([
    control.gate(
      options.limits!,
      now,
      Math.max(leases[0].until - now, 1),
      first.then((read) => read.slots),
    ),
    first,
  ]);
  const most = leases.length * 4 + 20;
  // Leases not given to a candidate being won, used last first.
  const free = [...leases].reverse();
  let next: FlowCandidate[] | undefined = firstRead;
  while (free.length > 0 && passed.length < most) {
    const limit = free.length + SPARE_CANDIDATES;
    const candidates = next ?? (await read(limit, gate.exclusions()));
    const asked = next ? firstLimit : limit;
    next = undefined;
    const wins: Promise<ClaimedWorkflow | undefined>[] = [];
    const admitting = admitAll(
      candidates,
      free,
      passed,
      gate,
      (candidate, lease, admission) =>
        wins.push(
          win(control, gate, arbiter, candidate, lease, admission, free),
        ),
    );
    // Those won are kept, in claim order, whatever else failed: every win sent is awaited.
    const [admitted] = await Promise.allSettled([admitting]);
    const settled = await Promise.allSettled(wins);
    const givenBack = await gate.givenBack();
    for (const result of settled)
      if (result.status === 'fulfilled' && result.value)
        claimed.push(result.value);
    const failed = [admitted, ...settled, ...givenBack].find(
      (result) => result.status === 'rejected',
    );
    if (failed) throw failed.reason;
    if (candidates.length < asked) break;
  }
}

/** Admits the candidates in turn while leases are free, handing each admitted one to `admitted`. */
async function admitAll(
  candidates: readonly FlowCandidate[],
  free: Lease[],
  passed: string[],
  gate: FlowGate,
  admitted: (
    candidate: FlowCandidate,
    lease: Lease,
    admission: Admission,
  ) => void,
): Promise<void> {
  for (const candidate of candidates) {
    if (free.length === 0) break;
    passed.push(candidate._id);
    if (gate.refuses(candidate)) continue;
    const lease = free.pop()!;
    const admission = await gate
      .admit(candidate, lease)
      .catch((error: unknown) => {
        free.push(lease);
        throw error;
      });
    if (admission) admitted(candidate, lease, admission);
    else free.push(lease);
  }
}

/** Wins an admitted candidate, or gives back its slots and starts and its lease. */
async function win(
  control: MongoFlowControl,
  gate: FlowGate,
  arbiter: Arbiter,
  candidate: FlowCandidate,
  lease: Lease,
  admission: Admission,
  free: Lease[],
): Promise<ClaimedWorkflow | undefined> {
  let won: ClaimedWorkflow | undefined;
  try {
    won = await arbiter(candidate, lease);
  } finally {
    if (!won) {
      free.push(lease);
      await gate.giveBack(admission).catch(() => undefined);
    }
  }
  if (won) control.took(won.id, lease.token, admission);
  return won;
}
