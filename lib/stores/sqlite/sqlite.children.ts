import type { ParentLink } from '../persistence';

/*
 * Child workflows in SQLite: the parent link is one column of the workflow's row, `parent`, the
 * JSON of `{ workflowId, parentClose }` (NULL for a workflow no parent started); the children a
 * parent started are its own records (the engine's child-start steps).
 */

/** The column, added to files made before child workflows. */
export const sqliteChildColumns = (
  prefix: string,
): { table: string; column: string; definition: string }[] => [
  { table: `${prefix}workflows`, column: 'parent', definition: 'TEXT' },
];

export const parentParam = (parent: ParentLink | undefined): string | null =>
  parent
    ? JSON.stringify({
        workflowId: parent.workflowId,
        parentClose: parent.parentClose,
      })
    : null;

/** `{ parent }` read from the row's column, or nothing. */
export const parentField = (
  column: string | null | undefined,
): { parent?: ParentLink } =>
  column ? { parent: JSON.parse(column) as ParentLink } : {};
