import type { WorkflowError, WorkflowStatus } from '../../engine/types';
import type { StoredStep, StoredWorkflow } from '../persistence';

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
  /** Set while the workflow can run; absent once finished or aborted (a sparse index). */
  readyAt?: number;
  leaseToken?: string;
  /** How many claims the workflow has had; a claim moves it from n to n + 1. */
  epoch: number;
  createdAt: number;
  updatedAt: number;
  steps: StoredStep[];
  /** `kind:id` of every recorded step, so a step is never recorded twice. */
  stepKeys: string[];
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

export const claimId = (workflowId: string, epoch: number): string =>
  `${workflowId.length}:${workflowId}:${epoch}`;

export const stepKey = (step: Pick<StoredStep, 'kind' | 'id'>): string =>
  `${step.kind}:${step.id}`;

export function toStoredWorkflow(doc: WorkflowDocument): StoredWorkflow {
  return {
    id: doc._id,
    name: doc.name,
    status: doc.status,
    input: doc.input,
    result: doc.result ?? undefined,
    error: doc.error ?? undefined,
    failures: doc.failures,
    readyAt: doc.readyAt ?? undefined,
    leaseToken: doc.leaseToken ?? undefined,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    steps: doc.steps.map(toStoredStep),
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
  return stored;
}
