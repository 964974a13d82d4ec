import type { Lease, NewWorkflow } from '../persistence';
import { parentParam } from './mysql.children';
import type { MysqlQuery } from './mysql.connection';
import { keyOf } from './mysql.names';
import { mysqlErrno } from './mysql.retry';
import { DUPLICATE_KEY } from './mysql.schedules';

/** A workflow's insert values, in `insertWith`'s order: leased (its starter's claim) or ready. */
export function insertValues(workflow: NewWorkflow, lease?: Lease): unknown[] {
  return [
    workflow.id,
    workflow.id,
    workflow.name,
    lease ? 'running' : 'idle',
    workflow.input,
    lease ? 1 : 0,
    lease ? lease.until : workflow.now,
    lease?.token ?? null,
    workflow.now,
    workflow.now,
    workflow.version ?? 1,
    workflow.deadlineAt ?? null,
    parentParam(workflow.parent),
    workflow.traceContext ?? null,
    workflow.priority ?? 0,
    workflow.concurrencyKey ?? null,
    lease ? workflow.now : null,
  ];
}

/** Inserts one workflow into `workflows` (a quoted table name); false if its id is taken. */
export async function insertWith(
  query: MysqlQuery,
  workflows: string,
  values: unknown[],
): Promise<boolean> {
  try {
    await query(
      `INSERT INTO ${workflows}
          (id_key, id, name, status, input, attempts, ready_at, lease_token, created_at, updated_at,
           version, deadline_at, parent, trace_context, priority, concurrency_key,
           first_claimed_at)
        VALUES (${keyOf('?')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      values,
    );
    return true;
  } catch (error) {
    if (mysqlErrno(error) === DUPLICATE_KEY) return false;
    throw error;
  }
}
