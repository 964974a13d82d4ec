/**
 * Migration 12: the indexes `list({ priority })` and `list({ concurrencyKey })` read, in list
 * order (newest first, then by id, the cursor a range of them). None holds a column a step
 * write sets, so step writes stay HOT updates (`postgres.ended.ts`); a start writes each once.
 * Idempotent; on a large table the first run builds them under the migration's lock.
 */
export const listIndexesMigration = (schema: string): string[] => [
  // list({ priority }), alone or with the name, version or waiting filter (checked along).
  `CREATE INDEX IF NOT EXISTS workflows_priority_newest
    ON "${schema}".workflows (priority, created_at, id)`,
  // list({ status, priority }), with or without the name filter.
  `CREATE INDEX IF NOT EXISTS workflows_status_priority
    ON "${schema}".workflows (status, priority, created_at, id)`,
  // list({ concurrencyKey }) with any other filter: one key's workflows are few. Keyed rows only.
  `CREATE INDEX IF NOT EXISTS workflows_key_newest
    ON "${schema}".workflows (concurrency_key, created_at, id)
    WHERE concurrency_key IS NOT NULL`,
];
