import type { WorkflowQuery } from '../persistence';
import { addMissing } from './mysql.columns';
import { mysqlNames } from './mysql.names';

/**
 * Migration 11: the indexes `list({ priority })` and `list({ concurrencyKey })` read, newest
 * first (then by id, the cursor a range of them), added only where missing. None holds a
 * column a step write sets; a start writes each once, a status change the status one.
 */
export function listIndexesMigration(prefix: string): string[] {
  return addMissing(
    prefix,
    'add_list_indexes',
    'workflows',
    [],
    [
      // list({ priority }), alone or with the name, version or waiting filter (checked along).
      ['workflows_priority_newest', '(priority, created_at, id(191))'],
      // list({ status, priority }), with or without the name filter.
      ['workflows_status_priority', '(status, priority, created_at, id(191))'],
      // list({ concurrencyKey }) with any other filter: one key's workflows are few.
      ['workflows_key_newest', '(concurrency_key(256), created_at, id(191))'],
    ],
  );
}

/** Below every `created_at`: the bound of a page with no workflow at all. */
const NO_BOUND = '-9223372036854775808';

/**
 * The page `query` asks for: its statement and values. No index can give the list's order
 * whole (an id is a MEDIUMTEXT, indexed by a prefix), so the page is read in two parts: the
 * `created_at` of its last row, from an index in `created_at` order (a page's worth of entries
 * read, no sort), then the rows matching from that one on, sorted: a page, plus the rows that
 * share its last `created_at`, however many workflows match.
 */
export function mysqlListSql(
  prefix: string,
  query: WorkflowQuery,
): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const equal = (column: string, value: unknown) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    values.push(value);
  };
  equal('status', query.status);
  equal('name', query.name);
  equal('version', query.version);
  equal('waiting_kind', query.waiting);
  equal('priority', query.priority);
  equal('concurrency_key', query.concurrencyKey);
  if (query.after) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    values.push(query.after.createdAt, query.after.createdAt, query.after.id);
  }
  const workflows = mysqlNames(prefix).workflows;
  const filters = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return {
    text: `SELECT id, name, status, failures, attempts, error, ready_at, created_at, updated_at,
        version, waiting_for, priority, concurrency_key
      FROM (SELECT COALESCE(MIN(page_top.at), ${NO_BOUND}) AS at
        FROM (SELECT created_at AS at FROM ${workflows} ${filters}
          ORDER BY created_at DESC LIMIT ?) page_top) page_bound,
        ${workflows}
      WHERE ${[...where, 'created_at >= page_bound.at'].join(' AND ')}
      ORDER BY created_at DESC, id DESC LIMIT ?`,
    values: [...values, query.limit, ...values, query.limit],
  };
}
