import { mysqlNames } from './mysql.names';

/**
 * Migration 2 of the MySQL store: each workflow's deadline (`start()`'s `timeoutMs`), when it is
 * cancelled if it has not ended. A table made by version 1 gets the column through a procedure
 * that adds it only when missing (MySQL has no `ADD COLUMN IF NOT EXISTS`), so the statements
 * stay idempotent; a table made since has it from its `CREATE TABLE`.
 */
export function deadlinesMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  const procedure = n.procedure('add_deadline_at');
  return [
    `DROP PROCEDURE IF EXISTS ${procedure}`,
    `CREATE PROCEDURE ${procedure}() BEGIN
      IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${prefix}workflows'
          AND COLUMN_NAME = 'deadline_at') THEN
        ALTER TABLE ${n.workflows} ADD COLUMN deadline_at BIGINT NULL;
      END IF;
    END`,
    `CALL ${procedure}()`,
    `DROP PROCEDURE IF EXISTS ${procedure}`,
  ];
}
