/**
 * The trace context a workflow started with (`NewWorkflow.traceContext`): a column added to
 * every file (new ones and those made before it) by `addMissingColumns`, answered by claims.
 */
export const traceContextColumn = (prefix: string) => ({
  table: `${prefix}workflows`,
  column: 'trace_context',
  definition: 'TEXT',
});

/** `traceContext` for a claimed or read workflow: absent when none was stored. */
export function traceContextOf(row: { trace_context?: string | null }): {
  traceContext?: string;
} {
  return row.trace_context == null ? {} : { traceContext: row.trace_context };
}
