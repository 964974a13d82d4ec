import { addMissing } from './mysql.columns';
import { text } from './mysql.rows';

/**
 * The trace context a workflow started with (`NewWorkflow.traceContext`, a W3C traceparent) in
 * the MySQL store: a nullable column added by migration 4, written by the insert and answered
 * by claims and reads.
 */
export const traceContextMigration = (prefix: string): string[] =>
  addMissing(prefix, 'add_trace_context', 'workflows', [
    ['trace_context', 'TEXT NULL'],
  ]);

/** `{ traceContext }` read from the row's column: absent when none was stored. */
export const traceContextOf = (row: {
  trace_context?: unknown;
}): { traceContext?: string } =>
  row.trace_context === null || row.trace_context === undefined
    ? {}
    : { traceContext: text(row.trace_context) };
