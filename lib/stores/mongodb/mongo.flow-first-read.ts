import type { Collection, Document, Filter, Sort } from 'mongodb';
import type { ClaimOptions } from '../persistence';
import type { WorkflowDocument } from './mongo.documents';
import {
  FLOW_CANDIDATE_PROJECTION,
  type FlowCandidate,
  type FlowDocument,
} from './mongo.flow-documents';

/** What a limited claim reads first: its candidates, and the slots of its limited names. */
export interface FirstRead {
  /** The ready compensating workflows first (oldest first), then the others in claim order. */
  candidates: FlowCandidate[];
  /** The slots held of the names `slotted`, as read. */
  slots: FlowDocument[];
}

/** Sort keys the folded read computes: 1 for a compensating workflow; its priority, else 0. */
const FIRST = '_lidexFirst';
const RANK = '_lidexRank';

const isCompensating = { $eq: ['$status', 'compensating'] };

/**
 * The first read in three commands sent together: the slots, the ready compensating workflows
 * (oldest first), and the ready ones in claim order (`order`). Each of the two reads of the
 * workflows is served from an index on a server with a query planner.
 */
export async function readFirstApart(
  workflows: Collection<WorkflowDocument>,
  flow: Collection<FlowDocument>,
  ready: Filter<WorkflowDocument>,
  order: Sort,
  limit: number,
  slotted: readonly string[],
): Promise<FirstRead> {
  const find = (filter: Filter<WorkflowDocument>, sort: Sort) =>
    workflows
      .find(filter, {
        sort,
        limit,
        projection: FLOW_CANDIDATE_PROJECTION,
      })
      .toArray();
  const [slots, compensating, waiting] = await Promise.all([
    slotted.length === 0
      ? []
      : flow.find({ kind: 'slot', name: { $in: [...slotted] } }).toArray(),
    find({ $and: [ready, { status: 'compensating' }] }, { readyAt: 1 }),
    find(ready, order),
  ]);
  const first = new Set(compensating.map((one) => one._id));
  return {
    candidates: [
      ...compensating,
      ...waiting.filter((one) => !first.has(one._id)),
    ],
    slots,
  };
}

/**
 * The first read in one aggregation, for a server without a query planner (mongo-java-server),
 * where each of `readFirstApart`'s reads of the workflows scans and sorts every ready one: one
 * scan here, sorted with the compensating workflows first (oldest first, their priority
 * counted as equal), then the others in claim order; the slots joined by a `$lookup` of the
 * flow collection. It saves a scan and two commands a claim, which on such a server (CPU-bound
 * under load) is what a limited claim costs over a free one. Nothing ready answers no slots:
 * the claim then takes nothing anyway.
 */
export async function readFirstFolded(
  workflows: Collection<WorkflowDocument>,
  flow: Collection<FlowDocument>,
  ready: Filter<WorkflowDocument>,
  options: ClaimOptions,
  limit: number,
  slotted: readonly string[],
): Promise<FirstRead> {
  // The claim order (`claimOrder`), the compensating workflows before it.
  const pipeline: Document[] = [
    { $match: ready },
    {
      $addFields: {
        [FIRST]: { $cond: [isCompensating, 1, 0] },
        [RANK]: { $cond: [isCompensating, 0, '$priority'] },
      },
    },
    {
      $sort: options.oldestFirst
        ? { [FIRST]: -1, readyAt: 1 }
        : { [FIRST]: -1, [RANK]: -1, readyAt: 1 },
    },
    { $limit: limit },
    { $project: FLOW_CANDIDATE_PROJECTION },
    // One document holding the candidates in order, to join the slots once.
    { $group: { _id: null, candidates: { $push: '$$ROOT' } } },
  ];
  if (slotted.length > 0)
    pipeline.push({
      $lookup: {
        from: flow.collectionName,
        pipeline: [{ $match: { kind: 'slot', name: { $in: [...slotted] } } }],
        as: 'slots',
      },
    });
  const [read] = await workflows
    .aggregate<Partial<FirstRead>>(pipeline)
    .toArray();
  return { candidates: read?.candidates ?? [], slots: read?.slots ?? [] };
}
