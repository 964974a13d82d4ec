import type { WorkflowStatus } from '../../model';
import {
  CANCELLABLE_STATUSES,
  type CancelRecord,
  RETRYABLE_STATUSES,
} from '../persistence';
import type { MysqlCompensation } from './mysql.compensation';
import type { MysqlQuery } from './mysql.connection';
import { keyOf, type MysqlNames } from './mysql.names';
import { NOT_WAITING } from './mysql.signals';

const quoted = (statuses: readonly WorkflowStatus[]): string =>
  statuses.map((status) => `'${status}'`).join(', ');

/** Operators' requests of the MySQL store that change a workflow: cancel, retry. */
export class MysqlOperations {
  constructor(
    private readonly query: MysqlQuery,
    private readonly names: MysqlNames,
    private readonly compensation: MysqlCompensation,
  ) {}

  async cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const reason = cancel.reason ? JSON.stringify(cancel.reason) : null;
    if (cancel.compensate)
      return this.compensation.cancel(workflowId, now, reason);
    await this.query(
      `UPDATE ${this.names.workflows}
      SET status = 'cancelled', lease_token = NULL, ready_at = NULL, updated_at = ?,
          ended_at = ?, error = COALESCE(?, error), ${NOT_WAITING}
      WHERE id_key = ${keyOf('?')} AND status IN (${quoted(CANCELLABLE_STATUSES)})`,
      [now, now, reason, workflowId],
    );
    const { sets } = await this.query(
      `SELECT status FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    const row = sets[0]?.[0];
    return row && row.status === 'cancelled';
  }

  async retryWorkflow(
    workflowId: string,
    now: number,
  ): Promise<boolean | undefined> {
    const { affectedRows } = await this.query(
      `UPDATE ${this.names.workflows}
      SET status = 'idle', failures = 0, lease_token = NULL, ready_at = ?, updated_at = ?,
          ended_at = NULL
      WHERE id_key = ${keyOf('?')} AND status IN (${quoted(RETRYABLE_STATUSES)})`,
      [now, now, workflowId],
    );
    if (affectedRows > 0) return true;
    const { sets } = await this.query(
      `SELECT 1 AS found FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    return (sets[0] ?? []).length > 0 ? false : undefined;
  }
}
