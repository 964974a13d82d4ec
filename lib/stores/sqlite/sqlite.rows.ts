import type { StepKind, WorkflowError, WorkflowStatus } from '../../model';
import type { StoredStep, WorkflowSummaryRecord } from '../persistence';
import { toWaitTarget } from './sqlite.signals';
import { flowFields } from '../persistence';

/** The SQLite store's rows, and what they become. */
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
  last_lease: string | null;
  version: number;
  priority: number;
  concurrency_key: string | null;
  first_claimed_at?: number | null;
  waiting_for: string | null;
  deadline_at: number | null;
  parent: string | null;
  trace_context?: string | null;
  created_at: number;
  updated_at: number;
}

export interface StepRow {
  kind: StepKind;
  step_id: string;
  result: string | null;
  wake_at: number | null;
  started_at: number | null;
  recorded_at: number;
}

export function toStoredStep(row: StepRow): StoredStep {
  return {
    kind: row.kind,
    id: row.step_id,
    result: row.result ?? undefined,
    wakeAt: row.wake_at ?? undefined,
    startedAt: row.started_at ?? undefined,
    recordedAt: row.recorded_at,
  };
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
    waitingFor: toWaitTarget(row.waiting_for ?? null),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
