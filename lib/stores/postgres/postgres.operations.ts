import type { WorkflowStatus } from '../../model';
import type { CancelRecord } from '../persistence';
import type { PostgresCompensation } from './postgres.compensation';
import type { Queryable } from './postgres.queryable';
import type { PostgresStatements } from './postgres.statements';

/** Operators' requests of the PostgreSQL store that change a workflow: cancel, retry. */
export class PostgresOperations {
  constructor(
    private readonly query: Queryable,
    private readonly sql: PostgresStatements,
    private readonly compensation: PostgresCompensation,
    private readonly channel: string,
  ) {}

  async cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const reason = cancel.reason ? JSON.stringify(cancel.reason) : null;
    if (cancel.compensate && (await this.compensation.cancel(workflowId, now)))
      return true;
    const { rows } = await this.query<{ status: WorkflowStatus }>(
      this.sql.cancel,
      [workflowId, now, reason],
    );
    return rows[0] && rows[0].status === 'cancelled';
  }

  async retryWorkflow(
    workflowId: string,
    now: number,
  ): Promise<boolean | undefined> {
    const { rows } = await this.query<{ retried: boolean; found: boolean }>(
      this.sql.retry,
      [workflowId, now, this.channel],
    );
    if (rows[0].retried) return true;
    return rows[0].found ? false : undefined;
  }
}
