import type { WorkflowCounts, WorkflowStatus } from '../../model';
import {
  noCounts,
  type StoredWorkflow,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import { parentField } from './mysql.children';
import type { MysqlQuery } from './mysql.connection';
import { flowFields } from './mysql.flow-control';
import { mysqlListSql } from './mysql.list-indexes';
import { keyOf, type MysqlNames } from './mysql.names';
import { optionalText, text, toStoredSteps, toSummary } from './mysql.rows';
import { signalsOf, waitingField } from './mysql.signals';
import { traceContextOf } from './mysql.trace-context';

/** A stored deadline (a BIGINT, read as a string or number), or none. */
export const deadlineOf = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);

/** The MySQL store's reads: one workflow with its steps and signals, a page, the counts. */
export class MysqlReads {
  constructor(
    private readonly query: MysqlQuery,
    private readonly tablePrefix: string,
    private readonly names: MysqlNames,
  ) {}

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { sets } = await this.query(
      `SELECT * FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    const row = sets[0]?.[0];
    if (!row) return undefined;
    const steps = await this.query(
      `SELECT kind, step_id, result, wake_at, started_at, recorded_at FROM ${this.names.steps}
       WHERE workflow_key = ${keyOf('?')} ORDER BY seq`,
      [workflowId],
    );
    return {
      ...toSummary(row),
      ...waitingField(row),
      ...flowFields(row),
      ...(row.first_claimed_at !== null && {
        firstClaimedAt: Number(row.first_claimed_at),
      }),
      input: text(row.input),
      result: optionalText(row.result),
      leaseToken: optionalText(row.lease_token),
      steps: toStoredSteps(steps.sets[0]),
      signals: await signalsOf(this.query, this.tablePrefix, workflowId),
      deadlineAt: deadlineOf(row.deadline_at),
      ...traceContextOf(row),
      ...parentField(row),
    };
  }

  async listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const { text: listSql, values } = mysqlListSql(this.tablePrefix, query);
    const { sets } = await this.query(listSql, values);
    return (sets[0] ?? []).map((row) => ({
      ...toSummary(row),
      ...waitingField(row),
      ...flowFields(row),
    }));
  }

  async countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const { sets } = await this.query(
      `SELECT status, COUNT(*) AS n FROM ${this.names.workflows}
      ${filter.name === undefined ? '' : 'WHERE name = ?'} GROUP BY status`,
      filter.name === undefined ? [] : [filter.name],
    );
    const counts = noCounts();
    for (const row of sets[0] ?? [])
      counts[row.status as WorkflowStatus] = Number(row.n);
    return counts;
  }
}
