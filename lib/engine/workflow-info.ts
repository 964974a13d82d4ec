import {
  isCompensationRecord,
  toCompensationInfos,
} from './compensation/compensation-info';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type {
  Persistence,
  StoredStep,
  StoredWorkflow,
  WorkflowSummaryRecord,
} from '../stores/persistence';
import { childrenOf } from './child-records';
import type { ValueReader } from './payloads/stored-values';
import {
  attemptsByStep,
  decodeAttemptError,
  parseAttemptId,
} from './step-attempts';
import type {
  StepAttemptInfo,
  StepInfo,
  WorkflowInfo,
  WorkflowSummary,
} from './types';
import { toSignalInfos, toSignalStepInfo, toWaitingFor } from './signal-info';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';

const toDate = (ms: number | undefined): Date | undefined =>
  ms === undefined ? undefined : new Date(ms);

/** Decodes what a store keeps into what a user reads; `read` decodes each value (`readResult` the result). */
export function toWorkflowInfo(
  stored: StoredWorkflow,
  read: ValueReader,
  readResult: ValueReader = read,
): WorkflowInfo {
  const compensations = toCompensationInfos(stored.steps);
  return {
    ...toWorkflowSummary(stored),
    input: read(stored.input, { workflowId: stored.id, field: 'input' }),
    result:
      stored.result === undefined
        ? undefined
        : readResult(stored.result, { workflowId: stored.id, field: 'result' }),
    steps: toStepInfos(stored.id, stored.steps, read),
    signals: toSignalInfos(stored.id, stored.signals, stored.steps, read),
    deadlineAt: toDate(stored.deadlineAt),
    ...(stored.firstClaimedAt === undefined
      ? {}
      : { firstClaimedAt: new Date(stored.firstClaimedAt) }),
    ...(stored.parent ? { parent: { ...stored.parent } } : {}),
    children: childrenOf(stored.steps),
    ...(compensations.length > 0 ? { compensations } : {}),
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
    version: stored.version,
    ...(stored.priority ? { priority: stored.priority } : {}),
    ...(stored.concurrencyKey !== undefined
      ? { concurrencyKey: stored.concurrencyKey }
      : {}),
    error: stored.error,
    readyAt: toDate(stored.readyAt),
    ...(stored.waitingFor
      ? { waitingFor: toWaitingFor(stored.waitingFor) }
      : {}),
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

/**
 * The records as a user reads them: a step's failed attempts folded into the step (after its
 * last attempt, the one that succeeded); a step with failed attempts only shown where its first
 * attempt was recorded.
 */
function toStepInfos(
  workflowId: string,
  steps: readonly StoredStep[],
  read: ValueReader,
): StepInfo[] {
  const attempts = attemptsByStep(steps);
  const shown = new Set<string>();
  const infos: StepInfo[] = [];
  for (const step of steps) {
    if (isCompensationRecord(step)) continue;
    if (step.kind === 'attempt') {
      const stepId = parseAttemptId(step.id)?.stepId;
      if (stepId === undefined || shown.has(stepId)) continue;
      shown.add(stepId);
      if (steps.some((s) => s.kind === 'step' && s.id === stepId)) continue;
      infos.push(unfinishedStep(stepId, attempts.get(stepId)!));
      continue;
    }
    if (step.kind === 'signal') {
      const signal = toSignalStepInfo(workflowId, step, steps, read);
      if (signal) infos.push(signal);
      continue;
    }
    const info = toStepInfo(workflowId, step, read);
    const failed = step.kind === 'step' ? attempts.get(step.id) : undefined;
    if (failed) {
      shown.add(step.id);
      info.attempts = [
        ...failed.map(toAttemptInfo),
        {
          attempt: failed.at(-1)!.attempt + 1,
          startedAt: new Date(step.startedAt ?? step.recordedAt),
          endedAt: new Date(step.recordedAt),
        },
      ];
    }
    infos.push(info);
  }
  return infos;
}

function unfinishedStep(
  id: string,
  failed: { attempt: number; record: StoredStep }[],
): StepInfo {
  const attempts = failed.map(toAttemptInfo);
  const last = attempts.at(-1)!;
  return {
    kind: 'step',
    id,
    startedAt: attempts[0].startedAt,
    recordedAt: last.endedAt,
    attempts,
    error: last.error,
  };
}

function toAttemptInfo({
  attempt,
  record,
}: {
  attempt: number;
  record: StoredStep;
}): StepAttemptInfo {
  return {
    attempt,
    startedAt: new Date(record.startedAt ?? record.recordedAt),
    endedAt: new Date(record.recordedAt),
    error: decodeAttemptError(record.result),
    ...(record.wakeAt === undefined
      ? {}
      : { nextAttemptAt: new Date(record.wakeAt) }),
  };
}

function toStepInfo(
  workflowId: string,
  step: StoredStep,
  read: ValueReader,
): StepInfo {
  const durationMs =
    step.kind === 'sleep'
      ? step.wakeAt! - step.recordedAt
      : step.startedAt === undefined
        ? undefined
        : step.recordedAt - step.startedAt;
  return {
    kind: step.kind as StepInfo['kind'],
    id: step.id,
    result:
      step.result === undefined
        ? undefined
        : read(step.result, {
            workflowId,
            field: step.kind === 'value' ? 'value' : 'step',
            name: step.id,
          }),
    wakeAt: toDate(step.wakeAt),
    startedAt: toDate(step.startedAt),
    recordedAt: new Date(step.recordedAt),
    durationMs,
  };
}

/**
 * The workflow, decoded (`read` each value, `readResult` the result, `openErrors` its errors);
 * with a reference, refused if it is a workflow of another name.
 */
export async function readWorkflowInfo(
  store: Pick<Persistence, 'getWorkflow'>,
  call: string,
  id: string,
  workflow: WorkflowRef | undefined,
  read: ValueReader,
  readResult: ValueReader = read,
  openErrors: (stored: StoredWorkflow) => StoredWorkflow = (stored) => stored,
): Promise<WorkflowInfo | undefined> {
  const expected =
    workflow === undefined ? undefined : workflowNameOf(workflow, call);
  const stored = await store.getWorkflow(id);
  if (stored && expected !== undefined && stored.name !== expected) {
    throw new InvalidArgumentError(
      messages.workflowRefMismatch(call, id, stored.name, expected),
    );
  }
  return stored && toWorkflowInfo(openErrors(stored), read, readResult);
}
