import type { StoredWorkflow } from '../stores/persistence';
import { decodeValue } from './codec';
import type { WorkflowInfo } from './types';

/** Decodes what a store keeps into what a user reads. */
export function toWorkflowInfo(stored: StoredWorkflow): WorkflowInfo {
  return {
    id: stored.id,
    name: stored.name,
    status: stored.status,
    input: decodeValue(stored.input),
    result:
      stored.result === undefined ? undefined : decodeValue(stored.result),
    error: stored.error,
    failures: stored.failures,
    readyAt:
      stored.readyAt === undefined ? undefined : new Date(stored.readyAt),
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
    steps: stored.steps.map((step) => ({
      kind: step.kind,
      id: step.id,
      result: step.result === undefined ? undefined : decodeValue(step.result),
      wakeAt: step.wakeAt === undefined ? undefined : new Date(step.wakeAt),
      recordedAt: new Date(step.recordedAt),
    })),
  };
}
