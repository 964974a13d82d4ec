import type { WorkflowDocument } from './mongo.documents';

/** One document of `<prefix>flow`: a slot held, a numbered start, or an upgrade done. */
export interface FlowDocument {
  _id: string;
  kind: 'slot' | 'start' | 'key-start' | 'upgrade';
  name?: string;
  /**
   * A slot's (or a key start's) scope: `["name"]` for the name's limit, `["name","key"]` for a
   * key's.
   */
  scope?: string;
  /** A slot's number, from 0, below the limit. */
  n?: number;
  /** A slot held: `slot:<scope>:<n>`, unique (one holding per slot at a time). */
  slot?: string;
  /** The workflow that took the slot (or the start). */
  workflowId?: string;
  /** The lease that took the slot. */
  leaseToken?: string;
  /** A start's number, from 0. */
  seq?: number;
  /** A start given back: its workflow was not claimed after all. */
  void?: boolean;
  /**
   * A start's `at + 3 × perMs`: past it no count or claim can need the start, which retention
   * then deletes with its workflow (`mongo.flow-retention.ts`). Starts numbered before this
   * field have none and stay until a claim of their scope sweeps them.
   */
  expiresAt?: number;
  at: number;
}

/** A ready workflow as a limited claim reads it. */
export type FlowCandidate = Pick<
  WorkflowDocument,
  | '_id'
  | 'epoch'
  | 'name'
  | 'concurrencyKey'
  | 'attempts'
  | 'leaseToken'
  | 'readyAt'
  | 'status'
>;

export const FLOW_CANDIDATE_PROJECTION = {
  _id: 1,
  epoch: 1,
  name: 1,
  concurrencyKey: 1,
  attempts: 1,
  leaseToken: 1,
  readyAt: 1,
  status: 1,
} as const;

/** What a claim took for one workflow before winning it; given back if it loses. */
export interface Admission {
  /** The slot documents it inserted. */
  slots: FlowDocument[];
  /** The starts numbered for a first claim (its name's, its key's). */
  starts?: string[];
  /** The lease taken over (a lapsed one): its slots are this claim's now. */
  takenOver?: string;
}
