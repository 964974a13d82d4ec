import type { StoredStep } from '../stores/persistence';
import {
  CHILD_END_PREFIX,
  CHILD_START_PREFIX,
  type ChildEnd,
  type ChildOutcome,
  type ChildStart,
  childSignalName,
  decodeChildRecord,
} from './child-records';
import type { ValueReader } from './payloads/stored-values';
import type { StepInfo } from './types';

export const isChildRecord = (step: StoredStep): boolean =>
  step.id.startsWith(CHILD_START_PREFIX) ||
  step.id.startsWith(CHILD_END_PREFIX);

/**
 * A child record as a step line: the start (its result the child's id, `signal` the end it
 * waits for) or the end a `result()` received (its result the child's outcome).
 */
export function childStepInfo(
  workflowId: string,
  step: StoredStep,
  steps: readonly StoredStep[],
  read: ValueReader,
): StepInfo {
  const recordedAt = new Date(step.recordedAt);
  if (step.id.startsWith(CHILD_START_PREFIX)) {
    const start = decodeChildRecord<ChildStart>(step);
    return {
      kind: 'child',
      id: step.id.slice(CHILD_START_PREFIX.length),
      result: start.workflowId,
      signal: {
        name: childSignalName(start.workflowId),
        workflowId: start.workflowId,
      },
      recordedAt,
    };
  }
  const end = decodeChildRecord<ChildEnd>(step);
  // The end is bound to the signal the child sent: named after the child, from its start.
  const startId = CHILD_START_PREFIX + step.id.slice(CHILD_END_PREFIX.length);
  const start = steps.find((s) => s.kind === step.kind && s.id === startId);
  const childId = start && decodeChildRecord<ChildStart>(start).workflowId;
  const outcome = read(end.payload, {
    workflowId,
    field: 'signal',
    name: childId === undefined ? 'lidex:child' : childSignalName(childId),
  }) as ChildOutcome;
  return {
    kind: 'child',
    id: step.id.slice(CHILD_END_PREFIX.length) + '.result',
    result: outcome,
    signal: { name: 'lidex:child', seq: end.seq },
    recordedAt,
  };
}
