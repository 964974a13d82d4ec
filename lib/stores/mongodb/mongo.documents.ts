import {
  flowFields,
  type WorkflowError,
  type WorkflowStatus,
} from '../../model';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { messages } from '../../lidex.messages';
import type {
  ParentLink,
  StoredStep,
  StoredWorkflow,
  WaitTarget,
  WorkflowSummaryRecord,
} from '../persistence';
import { type SignalEntry, toStoredSignals } from './mongo.signals';

/**
 * One workflow, with its steps embedded, so that a claim reads everything a replay needs in one
 * document. Step ids live in values (`steps[].id`, `stepKeys[]`), never in field names.
 */
export interface WorkflowDocument {
  _id: string;
  name: string;
  status: WorkflowStatus;
  input: string;
  result?: string;
  error?: WorkflowError;
  failures: number;
  /** Claims so far; absent on documents written before it was kept (then `epoch` stands in). */
  attempts?: number;
  /** Set while the workflow can run; absent once finished or aborted (a sparse index). */
  readyAt?: number;
  leaseToken?: string;
  /** The lease that last let go of the workflow, so that a repeated write knows its own try. */
  lastLease?: string;
  /** How many claims the workflow has had; a claim moves it from n to n + 1. */
  epoch: number;
  /** The version it started on; absent on documents written before versions (version 1). */
  version?: number;
  /** The W3C traceparent it started with (OpenTelemetry); absent when it had none. */
  traceContext?: string;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
  /** `kind:id` of every recorded step, so a step is never recorded twice. */
  stepKeys: string[];
  /** Signals received, in order (`mongo.signals.ts`); absent on documents from before them. */
  signals?: SignalEntry[];
  signalIds?: string[];
  /** What it waits for, from the wait's release until woken or claimed. */
  waitingFor?: WaitTarget;
  waitingKind?: WaitTarget['kind'];
  /** When the workflow is cancelled if it has not ended (`start()`'s `timeoutMs`). */
  deadlineAt?: number;
  /** The workflow that started it as a child; absent for one no parent started. */
  parent?: ParentLink;
  /** Claimed before lower ones (`mongo.flow-control.ts`); absent on documents from before (0). */
  priority?: number;
  /** The key its name's per-key concurrency limit counts it under. */
  concurrencyKey?: string;
  /** The `now` of its first claim (its start, as rate limits count it). */
  firstClaimedAt?: number;
}

/**
 * A claim of one epoch of one workflow. Its `_id` is unique, so of several instances claiming
 * the same epoch exactly one can insert it: the claim's arbiter on any server, including those
 * (FerretDB 1.x) whose conditional updates are not atomic under concurrency.
 */
export interface ClaimDocument {
  _id: string;
  workflowId: string;
  at: number;
}

/**
 * The filter of one workflow by id: `{ _id: id }`, the id as a plain value. Servers without a
 * query planner (FerretDB 1.x, mongo-java-server) use the `_id` index only for a filter that is
 * exactly that, and scan the whole collection for `{ _id: { $eq: id } }`. An id is a string,
 * which a query never reads as an operator; anything else is refused here.
 */
export function byId(id: string): { _id: string } {
  if (typeof id !== 'string') {
    throw new InvalidArgumentError(messages.invalidId('A workflow id', id));
  }
  return { _id: id };
}

export const claimId = (workflowId: string, epoch: number): string =>
  `${workflowId.length}:${workflowId}:${epoch}`;

export const stepKey = (step: Pick<StoredStep, 'kind' | 'id'>): string =>
  `${step.kind}:${step.id}`;

/** The fields a summary needs; a list reads only these. */
export const SUMMARY_PROJECTION = {
  _id: 1,
  name: 1,
  status: 1,
  failures: 1,
  attempts: 1,
  epoch: 1,
  version: 1,
  error: 1,
  readyAt: 1,
  waitingFor: 1,
  createdAt: 1,
  updatedAt: 1,
  priority: 1,
  concurrencyKey: 1,
} as const;

export type SummaryDocument = Pick<
  WorkflowDocument,
  keyof typeof SUMMARY_PROJECTION
>;

export function toSummary(doc: SummaryDocument): WorkflowSummaryRecord {
  return {
    id: doc._id,
    name: doc.name,
    status: doc.status,
    failures: doc.failures,
    attempts: doc.attempts ?? doc.epoch,
    version: doc.version ?? 1,
    error: doc.error ?? undefined,
    readyAt: doc.readyAt ?? undefined,
    waitingFor: doc.waitingFor ?? undefined,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...flowFields(doc.priority, doc.concurrencyKey),
  };
}

export function toStoredWorkflow(doc: WorkflowDocument): StoredWorkflow {
  return {
    ...toSummary(doc),
    input: doc.input,
    result: doc.result ?? undefined,
    leaseToken: doc.leaseToken ?? undefined,
    steps: doc.steps.map(toStoredStep),
    signals: toStoredSignals(doc.signals),
    deadlineAt: doc.deadlineAt ?? undefined,
    ...(doc.traceContext == null ? {} : { traceContext: doc.traceContext }),
    ...parentOf(doc),
    ...(doc.firstClaimedAt == null
      ? {}
      : { firstClaimedAt: doc.firstClaimedAt }),
  };
}

export function toStoredStep(step: StoredStep): StoredStep {
  const stored: StoredStep = {
    kind: step.kind,
    id: step.id,
    recordedAt: step.recordedAt,
  };
  if (step.result !== undefined && step.result !== null)
    stored.result = step.result;
  if (step.wakeAt !== undefined && step.wakeAt !== null)
    stored.wakeAt = step.wakeAt;
  if (step.startedAt !== undefined && step.startedAt !== null)
    stored.startedAt = step.startedAt;
  return stored;
}

/** `{ parent }` of a child's document (only the link's two fields), or nothing. */
export const parentOf = (doc: {
  parent?: ParentLink | null;
}): { parent?: ParentLink } =>
  doc.parent
    ? {
        parent: {
          workflowId: doc.parent.workflowId,
          parentClose: doc.parent.parentClose,
        },
      }
    : {};
