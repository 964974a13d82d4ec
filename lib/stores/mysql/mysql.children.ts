import type { ParentLink } from '../persistence';
import { addMissing } from './mysql.columns';
import { text } from './mysql.rows';

/**
 * Child workflows in the MySQL store: migration 4 adds `parent` to the workflows (the JSON text
 * of `{ workflowId, parentClose }`, NULL for a workflow no parent started), written by the insert
 * and answered by claims and reads. The children a parent started are its own records, and the
 * engine cancels them (per `parentClose`) and tells the parent of a child's end by a signal.
 */
export const childrenMigration = (prefix: string): string[] =>
  addMissing(prefix, 'add_parent', 'workflows', [['parent', 'LONGTEXT NULL']]);

export const parentParam = (parent: ParentLink | undefined): string | null =>
  parent
    ? JSON.stringify({
        workflowId: parent.workflowId,
        parentClose: parent.parentClose,
      })
    : null;

/** `{ parent }` read from the row's column, or nothing. */
export const parentField = (row: {
  parent?: unknown;
}): {
  parent?: ParentLink;
} =>
  row.parent === null || row.parent === undefined
    ? {}
    : { parent: JSON.parse(text(row.parent)) as ParentLink };
