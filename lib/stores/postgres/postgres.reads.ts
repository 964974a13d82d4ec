import type { WorkflowCounts, WorkflowStatus } from '../../model';
import {
  noCounts,
  type LeasedCount,
  type StoredWorkflow,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import { parentField } from './postgres.children';
import { leasedCountsSql } from './postgres.flow-control';
import type { Queryable } from './postgres.queryable';
import {
  type StepTuple,
  toStoredSteps,
  toSummary,
  type WorkflowRow,
} from './postgres.rows';
import { type SignalTuple, toStoredSignals } from './postgres.signals';
import type { PostgresStatements } from './postgres.statements';
import { traceContextOf } from './postgres.trace-context';

/** The PostgreSQL store's reads: one workflow with its steps and signals, a page, the counts. */
export class PostgresReads {
  constructor(
    private readonly query: Queryable,
    private readonly sql: PostgresStatements,
    private readonly schema: string,
  ) {}

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { rows } = await this.query<
      WorkflowRow & {
        steps: StepTuple[] | null;
        signals: SignalTuple[] | null;
      }
    >(this.sql.get, [workflowId]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...toSummary(row),
      input: row.input,
      result: row.result ?? undefined,
      leaseToken: row.lease_token ?? undefined,
      ...(row.first_claimed_at != null && {
        firstClaimedAt: row.first_claimed_at,
      }),
      steps: toStoredSteps(row.steps),
      signals: toStoredSignals(row.signals),
      deadlineAt: row.deadline_at ?? undefined,
      ...traceContextOf(row),
      ...parentField(row),
    };
  }

  async listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const statement = this.sql.list({
      status: query.status !== undefined,
      name: query.name !== undefined,
      after: query.after !== undefined,
      version: query.version !== undefined,
      waiting: query.waiting !== undefined,
      priority:
        query.priority === undefined
          ? undefined
          : query.priority === 0
            ? 'default'
            : 'other',
      concurrencyKey: query.concurrencyKey !== undefined,
    });
    const values: unknown[] = [
      ...(query.status !== undefined ? [query.status] : []),
      ...(query.name !== undefined ? [query.name] : []),
      ...(query.version !== undefined ? [query.version] : []),
      ...(query.waiting !== undefined ? [query.waiting] : []),
      ...(query.priority !== undefined ? [query.priority] : []),
      ...(query.concurrencyKey !== undefined ? [query.concurrencyKey] : []),
      ...(query.after ? [query.after.createdAt, query.after.id] : []),
      query.limit,
    ];
    const { rows } = await this.query<WorkflowRow>(statement, values);
    return rows.map(toSummary);
  }

  async leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    if (names.length === 0) return [];
    const { rows } = await this.query<{
      name: string;
      key: string | null;
      n: number;
    }>(leasedCountsSql(this.schema), [[...names]]);
    return rows.map((row) => ({
      name: row.name,
      ...(row.key === null ? {} : { concurrencyKey: row.key }),
      leased: Number(row.n),
    }));
  }

  async countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const { rows } = await (filter.name === undefined
      ? this.query<{ status: WorkflowStatus; n: number }>(
          this.sql.countByStatus,
          [],
        )
      : this.query<{ status: WorkflowStatus; n: number }>(
          this.sql.countByStatusOfName,
          [filter.name],
        ));
    const counts = noCounts();
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }
}
