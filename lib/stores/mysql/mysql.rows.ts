import type { StepKind, WorkflowError, WorkflowStatus } from '../../model';
import type { StoredStep, WorkflowSummaryRecord } from '../persistence';
import type { Row } from './mysql.connection';

/**
 * The MySQL store's rows, and what they become. Numbers are read with `Number()`: a pool set up
 * with `supportBigNumbers`/`bigNumberStrings` (TypeORM's) answers BIGINT columns as strings.
 */
const num = (value: unknown): number => Number(value);
const optionalNum = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);
/** A text column's value: a string (the driver's `Buffer` where a connection's charset is binary). */
export const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Buffer.isBuffer(value)
      ? value.toString('utf8')
      : JSON.stringify(value);
export const optionalText = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : text(value);

export function toStoredSteps(rows: Row[] | undefined): StoredStep[] {
  return (rows ?? []).map((row) => ({
    kind: row.kind as StepKind,
    id: text(row.step_id),
    result: optionalText(row.result),
    wakeAt: optionalNum(row.wake_at),
    startedAt: optionalNum(row.started_at),
    recordedAt: num(row.recorded_at),
  }));
}

export function toSummary(row: Row): WorkflowSummaryRecord {
  return {
    id: text(row.id),
    name: text(row.name),
    status: row.status as WorkflowStatus,
    failures: num(row.failures),
    attempts: num(row.attempts),
    version: num(row.version),
    error: row.error
      ? (JSON.parse(text(row.error)) as WorkflowError)
      : undefined,
    readyAt: optionalNum(row.ready_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** The claim's versions parameter: `[[name, version], ...]`, names matched as data. */
export function versionsParam(
  versions: ReadonlyMap<string, number> | undefined,
): string {
  return JSON.stringify(versions ? [...versions] : []);
}
