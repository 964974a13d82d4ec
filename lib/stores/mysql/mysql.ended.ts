import { TERMINAL_STATUSES } from '../persistence';
import { addMissing } from './mysql.columns';
import { mysqlNames } from './mysql.names';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 12 of the MySQL store: when each workflow ended (`ended_at`, set by every statement
 * that ends one and cleared by a retry), and the index of ended workflows a purge reads on it
 * (`workflows_ended_at`), replacing migration 3's on `updated_at`: InnoDB rewrites a secondary
 * index entry whenever one of its columns changes, and every step write sets `updated_at`. A
 * step write that keeps the lease (no ready time) then changes no indexed column. Idempotent:
 * an ended workflow of an earlier version gets its `updated_at` (when it ended) once.
 */
export function endedMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  const dropOld = n.procedure('drop_updated_index');
  return [
    ...addMissing(
      prefix,
      'add_ended_at',
      'workflows',
      [['ended_at', 'BIGINT NULL']],
      [['workflows_ended_at', '(status, ended_at)']],
    ),
    `UPDATE ${n.workflows} SET ended_at = updated_at
      WHERE ended_at IS NULL AND ready_at IS NULL AND status IN (${ENDED})`,
    // MySQL 8 has no DROP INDEX IF EXISTS.
    `DROP PROCEDURE IF EXISTS ${dropOld}`,
    `CREATE PROCEDURE ${dropOld}() BEGIN
      IF EXISTS (SELECT 1 FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${prefix}workflows'
          AND INDEX_NAME = 'workflows_ended') THEN
        DROP INDEX workflows_ended ON ${n.workflows};
      END IF;
    END`,
    `CALL ${dropOld}()`,
    `DROP PROCEDURE IF EXISTS ${dropOld}`,
  ];
}
