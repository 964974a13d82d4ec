import type { StoredStep, WorkflowError } from '../model';

/**
 * The failed attempts of a workflow's steps, as the store keeps them: one record of kind
 * `attempt` per failure, id `<step id>#<attempt>`, `result` the error as JSON, `wakeAt` when the
 * next attempt is due (absent when the step's attempts were spent and the error went to the
 * workflow's code).
 */

export const attemptId = (stepId: string, attempt: number): string =>
  `${stepId}#${attempt}`;

/** The step id and attempt number of an attempt record's id. */
export function parseAttemptId(
  id: string,
): { stepId: string; attempt: number } | undefined {
  const hash = id.lastIndexOf('#');
  const attempt = Number(id.slice(hash + 1));
  if (hash < 0 || !Number.isInteger(attempt) || attempt < 1) return undefined;
  return { stepId: id.slice(0, hash), attempt };
}

/**
 * An attempt's error as stored: name and message, no stack (the workflow's room is shared by
 * every attempt; the error that reaches the workflow's code keeps its stack). `seal` encodes the
 * message when the codec encodes errors (`StoredValues.sealError`).
 */
export function encodeAttemptError(
  error: WorkflowError,
  seal: (error: WorkflowError) => WorkflowError,
): string {
  const sealed = seal({ name: error.name, message: error.message });
  return JSON.stringify(
    sealed.encoded === undefined
      ? { name: sealed.name, message: sealed.message }
      : { name: sealed.name, message: sealed.message, encoded: sealed.encoded },
  );
}

export function decodeAttemptError(text: string | undefined): WorkflowError {
  try {
    const parsed = JSON.parse(text ?? '') as Partial<WorkflowError>;
    return {
      name: String(parsed.name ?? 'Error'),
      message: String(parsed.message ?? ''),
      ...(parsed.stack === undefined ? {} : { stack: String(parsed.stack) }),
    };
  } catch {
    return { name: 'Error', message: String(text) };
  }
}

/** An Error rebuilt from a recorded one, for a replay that must throw it again. */
export function errorFromRecord(recorded: WorkflowError): Error {
  const error = new Error(recorded.message);
  error.name = recorded.name;
  if (recorded.stack !== undefined) error.stack = recorded.stack;
  return error;
}

/** Each step's attempt records, by step id, in attempt order. */
export function attemptsByStep(
  steps: readonly StoredStep[],
  kind: 'attempt' | 'compensation-attempt' = 'attempt',
): Map<string, { attempt: number; record: StoredStep }[]> {
  const byStep = new Map<string, { attempt: number; record: StoredStep }[]>();
  for (const record of steps) {
    if (record.kind !== kind) continue;
    const parsed = parseAttemptId(record.id);
    if (!parsed) continue;
    const list = byStep.get(parsed.stepId) ?? [];
    list.push({ attempt: parsed.attempt, record });
    byStep.set(parsed.stepId, list);
  }
  for (const list of byStep.values())
    list.sort((a, b) => a.attempt - b.attempt);
  return byStep;
}
