import type { StoredStep, WorkflowError } from '../../model';

/**
 * Compensation's records (`CompensationKind` in the model): `compensable` before a step that
 * has a compensation first runs, `compensating` when the compensations begin (id: how the
 * workflow ends), `compensation` for each one's outcome, `compensation-attempt` for its failed
 * attempts.
 */

/** How a compensating workflow ends once its compensations are done. */
export type CompensatedEnd = 'cancelled' | 'aborted';

/** A compensation's outcome as recorded: done, or the error it gave up with. */
export type CompensationOutcome =
  { ok: true } | { ok: false; error: WorkflowError };

/** The id a compensation's attempts and idempotency key go under: distinct from its step's. */
export const compensationRunId = (stepId: string): string =>
  `compensate:${stepId}`;

/** How the workflow ends, when it has begun compensating (and is claimed to go on with it). */
export function compensatingEnd(
  steps: readonly StoredStep[],
): CompensatedEnd | undefined {
  const begun = steps.find((step) => step.kind === 'compensating');
  if (!begun) return undefined;
  return begun.id === 'aborted' ? 'aborted' : 'cancelled';
}

export function decodeOutcome(record: StoredStep): CompensationOutcome {
  try {
    return JSON.parse(record.result ?? '') as CompensationOutcome;
  } catch {
    return {
      ok: false,
      error: { name: 'Error', message: String(record.result) },
    };
  }
}

/** The compensations already recorded, by step id. */
export function recordedOutcomes(
  steps: readonly StoredStep[],
): Map<string, CompensationOutcome> {
  const outcomes = new Map<string, CompensationOutcome>();
  for (const step of steps) {
    if (step.kind === 'compensation')
      outcomes.set(step.id, decodeOutcome(step));
  }
  return outcomes;
}
