import type { Collection } from 'mongodb';
import type { ClaimedWorkflow, Lease } from '../persistence';
import {
  byId,
  parentOf,
  toStoredStep,
  type WorkflowDocument,
} from './mongo.documents';
import { toStoredSignals } from './mongo.signals';
import { versionOf } from './mongo.versions';

/**
 * Runs a batch of claims. If the server fails part-way, the workflows already won are still
 * handed to the worker (their leases are held: dropping them would strand them until the leases
 * expire); the error is raised only when nothing was won.
 */
export async function keepingWon(
  claimed: ClaimedWorkflow[],
  claiming: () => Promise<void>,
): Promise<void> {
  try {
    await claiming();
  } catch (error) {
    if (claimed.length === 0) throw error;
  }
}

/** A ready workflow as a claim first reads it. */
export type Candidate = Pick<WorkflowDocument, '_id' | 'epoch' | 'status'>;

/**
 * The positions of the documents an unordered insert refused as duplicates. Any other failure is
 * raised: the insert's outcome is then unknown.
 */
export function duplicateIndexes(error: unknown, count: number): number[] {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(writeErrors)
    ? writeErrors
    : writeErrors
      ? [writeErrors]
      : [];
  const indexes = list.map((writeError: unknown) => {
    const { index, code } = writeError as { index?: unknown; code?: unknown };
    return code === 11000 && typeof index === 'number' && index < count
      ? index
      : undefined;
  });
  if (list.length === 0 || indexes.includes(undefined)) throw error;
  return indexes as number[];
}

/**
 * What a claim sets on the workflow it wins: `running`, or `compensating` for one that was
 * (`status`: the status the claim read; its filter then requires it, `candidateStatus`).
 */
export const claimedBy = (
  lease: Lease,
  now: number,
  status?: WorkflowDocument['status'],
) => ({
  status: status === 'compensating' ? status : ('running' as const),
  leaseToken: lease.token,
  readyAt: lease.until,
  updatedAt: now,
});

/**
 * A claim by claim documents holds only while the candidate has the status read. Without update
 * pipelines (not every MongoDB-compatible server has them) an update cannot keep a status on a
 * condition, so the status read is what the claim sets back.
 */
export const candidateStatus = (candidate: Candidate) => ({
  status: { $eq: candidate.status },
});

/**
 * The single-update claims (whose filter reads nothing first, or is exactly the keys of
 * `lidex_claim_read`) answer the workflow as it was before (`returnDocument: 'before'`: nothing
 * a claim changes is read from it), and one that was `compensating` is set so again under the
 * claim's lease before the claim returns (a round trip for compensating workflows only; a read
 * in between sees `running`). Never throws: the claim is won either way, and if this update
 * fails the run sets `compensating` itself before its first compensation.
 */
export async function keepCompensating(
  workflows: Collection<WorkflowDocument>,
  before: WorkflowDocument,
  lease: Lease,
): Promise<void> {
  if (before.status !== 'compensating') return;
  await workflows
    .updateOne(
      { ...byId(before._id), leaseToken: lease.token, status: 'running' },
      { $set: { status: 'compensating' } },
    )
    .catch(() => undefined);
}

export const toClaimed = (
  doc: WorkflowDocument,
  lease: Lease,
): ClaimedWorkflow => ({
  id: doc._id,
  name: doc.name,
  input: doc.input,
  leaseToken: lease.token,
  version: versionOf(doc),
  steps: doc.steps.map(toStoredStep),
  signals: toStoredSignals(doc.signals),
  deadlineAt: doc.deadlineAt ?? undefined,
  ...(doc.traceContext === undefined ? {} : { traceContext: doc.traceContext }),
  ...parentOf(doc),
});

/** Candidates read per claim beyond those wanted, for those another instance wins meanwhile. */
export const SPARE_CANDIDATES = 4;
