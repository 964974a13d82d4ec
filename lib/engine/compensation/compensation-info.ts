import type { StoredStep } from '../../model';
import { attemptsByStep, decodeAttemptError } from '../step-attempts';
import type { CompensationInfo } from '../types';
import {
  compensatingEnd,
  compensationRunId,
  decodeOutcome,
} from './compensation-records';

const COMPENSATION_KINDS = new Set<string>([
  'compensable',
  'compensating',
  'compensation',
  'compensation-attempt',
]);

/** Whether a record is one of compensation's (shown in `compensations`, not in `steps`). */
export const isCompensationRecord = (step: StoredStep): boolean =>
  COMPENSATION_KINDS.has(step.kind);

/**
 * A compensating (or compensated) workflow's compensations as a user reads them, in the order
 * they ran: each with its outcome (`compensated`, `failed` when it gave up, `pending` while its
 * attempts go on) and its failed attempts. Empty for a workflow that never compensated.
 */
export function toCompensationInfos(
  steps: readonly StoredStep[],
): CompensationInfo[] {
  if (compensatingEnd(steps) === undefined) return [];
  const attempts = attemptsByStep(steps, 'compensation-attempt');
  const infos: CompensationInfo[] = [];
  const seen = new Set<string>();
  const failedAttempts = (stepId: string) =>
    (attempts.get(compensationRunId(stepId)) ?? []).map(
      ({ attempt, record }) => ({
        attempt,
        startedAt: new Date(record.startedAt ?? record.recordedAt),
        endedAt: new Date(record.recordedAt),
        error: decodeAttemptError(record.result),
        ...(record.wakeAt === undefined
          ? {}
          : { nextAttemptAt: new Date(record.wakeAt) }),
      }),
    );
  for (const step of steps) {
    if (step.kind === 'compensation') {
      const outcome = decodeOutcome(step);
      seen.add(step.id);
      infos.push({
        stepId: step.id,
        status: outcome.ok ? 'compensated' : 'failed',
        ...(outcome.ok ? {} : { error: outcome.error }),
        recordedAt: new Date(step.recordedAt),
        attempts: failedAttempts(step.id),
      });
    }
  }
  for (const [runId, list] of attempts) {
    const stepId = runId.slice('compensate:'.length);
    if (seen.has(stepId)) continue;
    const last = list.at(-1)!.record;
    infos.push({
      stepId,
      status: 'pending',
      error: decodeAttemptError(last.result),
      recordedAt: new Date(last.recordedAt),
      attempts: failedAttempts(stepId),
    });
  }
  return infos;
}
