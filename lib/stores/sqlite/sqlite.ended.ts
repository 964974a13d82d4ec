import type { BetterSqlite3 } from './sqlite.driver-types';
import { TERMINAL_STATUSES } from '../persistence';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The index a purge and the activity chart read: ended workflows (no `ready_at`) by status and
 * by when they ended (`ended_at`, set by every statement that ends one and cleared by a retry).
 * Not on `updated_at`, which every step write sets: SQLite rewrites an index entry for each
 * indexed column an UPDATE names, so a step write that keeps the lease then writes no index.
 */
export const sqliteEndedIndex = (prefix: string): string => `
CREATE INDEX IF NOT EXISTS ${prefix}workflows_ended_at
  ON ${prefix}workflows (status, ended_at) WHERE ready_at IS NULL;`;

/**
 * Brings a file made before `ended_at` up to it, once `addMissingColumns` has added the column:
 * the new index, the end time of each workflow that ended before (its `updated_at`, once), and
 * the old index on `updated_at` dropped. Idempotent, and cheap on a current file: one read
 * through the new index finds nothing to fill in.
 */
export function migrateEnded(db: BetterSqlite3.Database, prefix: string): void {
  const workflows = `${prefix}workflows`;
  db.exec(sqliteEndedIndex(prefix));
  const unfilled = `status IN (${ENDED}) AND ended_at IS NULL AND ready_at IS NULL`;
  if (db.prepare(`SELECT 1 FROM ${workflows} WHERE ${unfilled} LIMIT 1`).get())
    db.exec(`UPDATE ${workflows} SET ended_at = updated_at WHERE ${unfilled}`);
  db.exec(`DROP INDEX IF EXISTS ${prefix}workflows_ended`);
}

/** The column `migrateEnded` needs (`sqliteAddedColumns`). */
export const endedColumn = (prefix: string) => ({
  table: `${prefix}workflows`,
  column: 'ended_at',
  definition: 'INTEGER',
});
