/**
 * Migration 12: the index `list({ concurrencyKey })` reads, in list order (newest first, then by
 * id, the cursor a range of them); it made those of `list({ priority })` too, until migration 13.
 * None holds a column a step write sets, so step writes stay HOT updates (`postgres.ended.ts`).
 * Idempotent; on a large table the first run builds them under the migration's lock.
 */
export const listIndexesMigration = (schema: string): string[] => [
  // The lists by priority read migration 13's partial indexes (postgres.lean-indexes.ts): a
  // schema made now skips the two this one made before it.
  // list({ concurrencyKey }) with any other filter: one key's workflows are few. Keyed rows only.
  `CREATE INDEX IF NOT EXISTS workflows_key_newest
    ON "${schema}".workflows (concurrency_key, created_at, id)
    WHERE concurrency_key IS NOT NULL`,
];
