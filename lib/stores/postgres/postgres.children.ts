import type { ParentLink } from '../persistence';

/**
 * Child workflows in PostgreSQL: migration 9 adds `parent` to the workflows (the JSON text of
 * `{ workflowId, parentClose }`, NULL for a workflow no parent started), written by the inserts
 * and answered by claims and reads. The children a parent started are its own records.
 */
export const childrenMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS parent text`,
];

export const parentParam = (parent: ParentLink | undefined): string | null =>
  parent
    ? JSON.stringify({
        workflowId: parent.workflowId,
        parentClose: parent.parentClose,
      })
    : null;

/** `{ parent }` read from the row's column, or nothing. */
export const parentField = (row: {
  parent?: string | null;
}): { parent?: ParentLink } =>
  row.parent ? { parent: JSON.parse(row.parent) as ParentLink } : {};
