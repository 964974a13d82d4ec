import type { StepKind, WorkflowError, WorkflowStatus } from '../../model';
import type { StoredStep, WorkflowSummaryRecord } from '../persistence';
import { toWaitTarget } from './postgres.signals';
import { flowFields } from '../../model';

/** The PostgreSQL store's rows (bigints read as numbers), and what they become. */
export interface WorkflowRow {
  id: string;
  name: string;
  status: WorkflowStatus;
  input: string;
  result: string | null;
  error: string | null;
  failures: number;
  attempts: number;
  ready_at: number | null;
  lease_token: string | null;
  version: number;
  priority?: number;
  concurrency_key?: string | null;
  first_claimed_at?: number | null;
  waiting_for?: string | null;
  deadline_at: number | null;
  parent?: string | null;
  trace_context?: string | null;
  created_at: number;
  updated_at: number;
}

/** A step as the statements aggregate it: [kind, id, result, wakeAt, startedAt, recordedAt]. */
export type StepTuple = [
  StepKind,
  string,
  string | null,
  number | null,
  number | null,
  number,
];

export function toStoredSteps(steps: StepTuple[] | null): StoredStep[] {
  return (steps ?? []).map(
    ([kind, id, result, wakeAt, startedAt, recordedAt]) => ({
      kind,
      id,
      result: result ?? undefined,
      wakeAt: wakeAt ?? undefined,
      startedAt: startedAt ?? undefined,
      recordedAt,
    }),
  );
}

export function toSummary(row: WorkflowRow): WorkflowSummaryRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    failures: row.failures,
    attempts: row.attempts,
    version: row.version,
    ...flowFields(row.priority, row.concurrency_key),
    error: row.error ? (JSON.parse(row.error) as WorkflowError) : undefined,
    readyAt: row.ready_at ?? undefined,
    waitingFor: toWaitTarget(row.waiting_for),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
