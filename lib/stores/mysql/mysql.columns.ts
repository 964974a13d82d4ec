import { mysqlNames } from './mysql.names';

/** A column to add: its name and its definition (`LONGTEXT NULL`). */
export type ColumnToAdd = readonly [column: string, definition: string];
/** An index to add: its name and its columns (`(waiting_kind, created_at)`). */
export type IndexToAdd = readonly [index: string, columns: string];

/**
 * Statements that add columns and indexes to one of the prefix's tables only where they are
 * missing (MySQL 8 has neither `ADD COLUMN IF NOT EXISTS` nor `CREATE INDEX IF NOT EXISTS`),
 * through a procedure of the given role created, called and dropped again: idempotent, so a
 * database of any earlier version, and a current one, can run them.
 */
export function addMissing(
  prefix: string,
  role: string,
  table: string,
  columns: readonly ColumnToAdd[],
  indexes: readonly IndexToAdd[] = [],
): string[] {
  const n = mysqlNames(prefix);
  const procedure = n.procedure(role);
  const target = `\`${prefix}${table}\``;
  const where = `TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${prefix}${table}'`;
  const steps = [
    ...columns.map(
      ([column, definition]) => `
      IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS
        WHERE ${where} AND COLUMN_NAME = '${column}') THEN
        ALTER TABLE ${target} ADD COLUMN ${column} ${definition};
      END IF;`,
    ),
    ...indexes.map(
      ([index, on]) => `
      IF NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS
        WHERE ${where} AND INDEX_NAME = '${index}') THEN
        CREATE INDEX ${index} ON ${target} ${on};
      END IF;`,
    ),
  ];
  return [
    `DROP PROCEDURE IF EXISTS ${procedure}`,
    `CREATE PROCEDURE ${procedure}() BEGIN ${steps.join('')}
    END`,
    `CALL ${procedure}()`,
    `DROP PROCEDURE IF EXISTS ${procedure}`,
  ];
}
