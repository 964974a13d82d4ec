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

/** The page `query` asks for: its statement and values. */
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
  values.push(query.limit);
  return {
    text: `SELECT id, name, status, failures, attempts, error, ready_at, created_at, updated_at,
        version, waiting_for, priority, concurrency_key
      FROM ${mysqlNames(prefix).workflows}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`,
    values,
  };
}
