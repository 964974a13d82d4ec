import type { Collection, Filter, Sort } from 'mongodb';
import type { ClaimOptions } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import {
  FLOW_CANDIDATE_PROJECTION,
  type FlowCandidate,
} from './mongo.flow-documents';
import { skipNewerVersions } from './mongo.versions';

/**
 * The claim's order: priority (highest first), then oldest `readyAt`; with `oldestFirst`,
 * `readyAt` alone. Served by the `lidex_priority_ready` index (`lidex_ready` for the oldest).
 */
export const claimOrder = (options: ClaimOptions | undefined): Sort =>
  options?.oldestFirst ? { readyAt: 1 } : { priority: -1, readyAt: 1 };

/** One read of a limited claim: what is ready at `now`, in claim order. */
export interface CandidateRead {
  now: number;
  options: ClaimOptions;
  limit: number;
  /** Left out: workflows of a name or key the claim knows to be at its limit. */
  exclusions?: Filter<WorkflowDocument>[];
  /** Left out: those the claim looked at already. */
  passed?: readonly string[];
}

/** Reads up to `limit` ready workflows in claim order, as a limited claim needs them. */
export function readCandidates(
  workflows: Collection<WorkflowDocument>,
  read: CandidateRead,
): Promise<FlowCandidate[]> {
  const { now, options, limit, exclusions = [], passed = [] } = read;
  const parts: Filter<WorkflowDocument>[] = [
    { readyAt: { $lte: now } },
    skipNewerVersions(options),
    ...exclusions,
    ...(passed.length > 0 ? [{ _id: { $nin: [...passed] } }] : []),
  ].filter((part) => Object.keys(part).length > 0);
  return workflows
    .find(
      { $and: parts },
      {
        sort: claimOrder(options),
        limit,
        projection: FLOW_CANDIDATE_PROJECTION,
      },
    )
    .toArray();
}
