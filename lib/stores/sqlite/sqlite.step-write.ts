import type { StepOutcome, StoredStep } from '../persistence';
import type { WorkflowRow } from './sqlite.rows';
import type { SqliteStatements } from './sqlite.statements';

/** The workflow, if `leaseToken` was the last lease to let go of it and none holds it since. */
export function letGoBy(
  sql: SqliteStatements,
  workflowId: string,
  leaseToken: string,
): Pick<WorkflowRow, 'status' | 'failures'> | undefined {
  return sql.selectLetGo.get({ id: workflowId, lease_token: leaseToken }) as
    Pick<WorkflowRow, 'status' | 'failures'> | undefined;
}

/** The writes of `recordStep`, in the caller's transaction. */
export function recordStepIn(
  sql: SqliteStatements,
  workflowId: string,
  leaseToken: string,
  step: StoredStep,
  next: StepOutcome,
): boolean {
  // Without readyAt, ready_at is not named: SQLite rewrites the index of every column named.
  const { changes } =
    next.readyAt === undefined && !next.release
      ? sql.advanceKeeping.run(next.now, workflowId, leaseToken)
      : (next.release ? sql.advanceReleasing : sql.advance).run(
          next.readyAt,
          next.now,
          workflowId,
          leaseToken,
        );
  if (changes !== 1) {
    // A release whose answer was lost: this lease let go, and recorded this very step.
    return (
      next.release &&
      letGoBy(sql, workflowId, leaseToken)?.status === 'running' &&
      sql.selectStepKey.get(workflowId, step.kind, step.id) !== undefined
    );
  }
  insertStepIn(sql, workflowId, step);
  return true;
}

/** Inserts a step's record; the first recorded of a kind and id is kept. */
export function insertStepIn(
  sql: SqliteStatements,
  workflowId: string,
  step: StoredStep,
): void {
  // The first recorded is kept: a repeat only moves readyAt (and the lease) again.
  sql.insertStep.run(
    workflowId,
    step.kind,
    step.id,
    step.result ?? null,
    step.wakeAt ?? null,
    step.startedAt ?? null,
    step.recordedAt,
  );
}
