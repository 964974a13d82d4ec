import type {
  StoredSignal,
  StoredStep,
  WaitTarget,
} from '../stores/persistence';
import { childStepInfo, isChildRecord } from './child-info';
import type { ValueReader } from './payloads/stored-values';
import {
  decodeRecord,
  SENT_PREFIX,
  type SentOutcome,
  UNTIL_PREFIX,
  type WaitOutcome,
} from './signal-records';
import type { SignalInfo, StepInfo, WaitingFor } from './types';

/** What a waiting workflow waits for, decoded. */
export function toWaitingFor(
  target: WaitTarget | undefined,
): WaitingFor | undefined {
  if (!target) return undefined;
  const until =
    target.until === undefined ? {} : { until: new Date(target.until) };
  return target.kind === 'signal'
    ? { kind: 'signal', name: target.name, ...until }
    : { kind: 'child', childId: target.childId, ...until };
}

/** The signals received, each with the wait that consumed it. */
export function toSignalInfos(
  workflowId: string,
  signals: StoredSignal[],
  steps: StoredStep[],
  read: ValueReader,
): SignalInfo[] {
  const consumedBy = new Map<number, string>();
  for (const step of steps) {
    if (step.kind !== 'signal' || step.id.startsWith('lidex:')) continue;
    const outcome = decodeRecord<WaitOutcome>(step);
    if ('seq' in outcome) consumedBy.set(outcome.seq, step.id);
  }
  return signals.map((signal) => ({
    seq: signal.seq,
    name: signal.name,
    payload: read(signal.payload, {
      workflowId,
      field: 'signal',
      name: signal.name,
    }),
    signalId: signal.signalId,
    sentAt: new Date(signal.sentAt),
    ...(consumedBy.has(signal.seq)
      ? { consumedBy: consumedBy.get(signal.seq) }
      : {}),
  }));
}

/**
 * A signal record as a step line: a wait and what it received, or a signal sent. A wait's
 * timeout record is not a line of its own (`waitingFor.until` shows it): `undefined`.
 */
export function toSignalStepInfo(
  workflowId: string,
  step: StoredStep,
  steps: readonly StoredStep[],
  read: ValueReader,
): StepInfo | undefined {
  if (step.id.startsWith(UNTIL_PREFIX)) return undefined;
  if (isChildRecord(step)) return childStepInfo(workflowId, step, steps, read);
  const recordedAt = new Date(step.recordedAt);
  if (step.id.startsWith(SENT_PREFIX)) {
    const sent = decodeRecord<SentOutcome>(step);
    return {
      kind: 'signal',
      id: step.id.slice(SENT_PREFIX.length),
      result: sent.delivery === 'delivered' || sent.delivery === 'duplicate',
      signal: { name: sent.name, workflowId: sent.to },
      recordedAt,
    };
  }
  const outcome = decodeRecord<WaitOutcome>(step);
  return 'timedOut' in outcome
    ? { kind: 'signal', id: step.id, result: null, recordedAt }
    : {
        kind: 'signal',
        id: step.id,
        result: read(outcome.payload, {
          workflowId,
          field: 'signal',
          name: outcome.name,
        }),
        signal: { name: outcome.name, seq: outcome.seq },
        recordedAt,
      };
}
