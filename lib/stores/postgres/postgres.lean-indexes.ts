/**
 * Migration 13: fewer index entries per workflow. A start, a claim and a finish are not HOT
 * updates (each changes indexed columns), so each adds an entry to every index whose condition
 * the row meets; a workflow of the default priority now enters 9 indexes instead of 13.
 *
 * - The lists by name and the counts of one name read one index, `workflows_name_newest`: the
 *   name's workflows newest first, with the status carried along (`INCLUDE`) so that a count
 *   reads no table row. It replaces `workflows_name` and `workflows_name_status`.
 * - The indexes of the lists by priority hold the workflows of a priority other than the default
 *   (0) only. A list of priority 0 walks the newest (or one status's newest) and skips the others:
 *   as fast as a dedicated index while most workflows keep the default, and slower when most
 *   have another priority. The list statement names `priority <> 0` for any other priority, so
 *   that even a generic plan may read the partial index.
 *
 * Idempotent. On a large table the first run builds the new indexes under the migration's lock.
 */
export const leanIndexesMigration = (schema: string): string[] => [
  `CREATE INDEX IF NOT EXISTS workflows_name_newest
    ON "${schema}".workflows (name, created_at, id) INCLUDE (status)`,
  `DROP INDEX IF EXISTS "${schema}".workflows_name`,
  `DROP INDEX IF EXISTS "${schema}".workflows_name_status`,
  `CREATE INDEX IF NOT EXISTS workflows_prioritized_newest
    ON "${schema}".workflows (priority, created_at, id) WHERE priority <> 0`,
  `CREATE INDEX IF NOT EXISTS workflows_status_prioritized
    ON "${schema}".workflows (status, priority, created_at, id) WHERE priority <> 0`,
  `DROP INDEX IF EXISTS "${schema}".workflows_priority_newest`,
  `DROP INDEX IF EXISTS "${schema}".workflows_status_priority`,
];

/** The list filter on the priority: `priority <> 0` said again for the partial indexes. */
export const priorityFilter = (
  priority: 'default' | 'other',
  param: string,
): string =>
  priority === 'default'
    ? `priority = ${param}`
    : `priority = ${param} AND priority <> 0`;
