import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type {
  Persistence,
  StoredStep,
  StoredWorkflow,
  WorkflowSummaryRecord,
} from '../stores/persistence';
import { decodeValue } from './codec';
import type { StepInfo, WorkflowInfo, WorkflowSummary } from './types';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';

const toDate = (ms: number | undefined): Date | undefined =>
  ms === undefined ? undefined : new Date(ms);

/** Decodes what a store keeps into what a user reads. */
export function toWorkflowInfo(stored: StoredWorkflow): WorkflowInfo {
  return {
    ...toWorkflowSummary(stored),
    input: decodeValue(stored.input),
    result:
      stored.result === undefined ? undefined : decodeValue(stored.result),
    steps: stored.steps.map(toStepInfo),
  };
}

export function toWorkflowSummary(
  stored: WorkflowSummaryRecord,
): WorkflowSummary {
  return {
    id: stored.id,
    name: stored.name,
    status: stored.status,
    failures: stored.failures,
    attempts: stored.attempts,
    error: stored.error,
    readyAt: toDate(stored.readyAt),
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

function toStepInfo(step: StoredStep): StepInfo {
  const durationMs =
    step.kind === 'sleep'
      ? step.wakeAt! - step.recordedAt
      : step.startedAt === undefined
        ? undefined
        : step.recordedAt - step.startedAt;
  return {
    kind: step.kind,
    id: step.id,
    result: step.result === undefined ? undefined : decodeValue(step.result),
    wakeAt: toDate(step.wakeAt),
    startedAt: toDate(step.startedAt),
    recordedAt: new Date(step.recordedAt),
    durationMs,
  };
}

/** The workflow, decoded; with a reference, refused if it is a workflow of another name. */
export async function readWorkflowInfo(
  store: Pick<Persistence, 'getWorkflow'>,
  call: string,
  id: string,
  workflow?: WorkflowRef,
): Promise<WorkflowInfo | undefined> {
  const expected =
    workflow === undefined ? undefined : workflowNameOf(workflow, call);
  const stored = await store.getWorkflow(id);
  if (stored && expected !== undefined && stored.name !== expected) {
    throw new InvalidArgumentError(
      messages.workflowRefMismatch(call, id, stored.name, expected),
    );
  }
  return stored && toWorkflowInfo(stored);
}
