/**
 * Migration 6 of the PostgreSQL store: each workflow's deadline (`start()`'s `timeoutMs`), when
 * it is cancelled if it has not ended. Idempotent, for schemas made by an earlier version.
 */
export const deadlinesMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS deadline_at bigint`,
];
