/**
 * The trace context a workflow started with (`NewWorkflow.traceContext`, a W3C traceparent):
 * a nullable column, added by migration 8, written by the inserts and answered by claims.
 */
export const traceContextMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS trace_context text`,
];

/** `traceContext` for a claimed or read workflow: absent when none was stored. */
export function traceContextOf(row: { trace_context?: string | null }): {
  traceContext?: string;
} {
  return row.trace_context == null ? {} : { traceContext: row.trace_context };
}
