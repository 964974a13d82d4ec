import { TERMINAL_STATUSES } from '../persistence';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 11: when each workflow ended (`ended_at`, set by every statement that ends one and
 * cleared by a retry), and the index of ended workflows a purge and the activity chart read on it
 * instead of on `updated_at`. No index holds a column a step write changes then: with the table's
 * pages left 20% free (`fillfactor`), a step write that keeps the lease is a HOT update, which
 * writes no index entry. Replaces migration 5's index on `updated_at`. Idempotent: an ended
 * workflow of an earlier schema gets its `updated_at` (when it ended) once.
 */
export const endedMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS ended_at bigint`,
  `ALTER TABLE "${schema}".workflows SET (fillfactor = 80)`,
  `UPDATE "${schema}".workflows SET ended_at = updated_at
    WHERE ended_at IS NULL AND ready_at IS NULL AND status IN (${ENDED})`,
  `DROP INDEX IF EXISTS "${schema}".workflows_ended`,
  `CREATE INDEX IF NOT EXISTS workflows_ended_at
    ON "${schema}".workflows (status, ended_at) WHERE ready_at IS NULL`,
];
