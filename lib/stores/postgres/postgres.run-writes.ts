import type { WorkflowStatus } from '../../model';
import type { FailureRecord, Lease, LeaseRelease } from '../persistence';
import type { Queryable } from './postgres.queryable';
import { releaseToWait, type SignalStatements } from './postgres.signals';
import type { PostgresStatements } from './postgres.statements';

/**
 * A run's writes in the PostgreSQL store that go alone, one statement each, fenced by the lease
 * token: the lease renewed, released (to sleep or wait), a failure. Steps, finishes and inserts
 * share statements per turn (`postgres.writes.ts`).
 */
export class PostgresRunWrites {
  constructor(
    private readonly query: Queryable,
    private readonly sql: PostgresStatements,
    private readonly signalSql: SignalStatements,
    private readonly channel: string,
  ) {}

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.renew, [
      workflowId,
      lease.token,
      lease.until,
    ]);
    return rowCount === 1;
  }

  async releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const { wait } = release;
    if (wait) {
      return releaseToWait(this.query, this.signalSql, this.channel, {
        ...release,
        workflowId,
        leaseToken,
        wait,
      });
    }
    const { rows } = await this.query<{ held: boolean }>(this.sql.release, [
      workflowId,
      leaseToken,
      release.readyAt,
      release.now,
      this.channel,
    ]);
    return rows[0].held;
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { rows } = await this.query<{
      status: WorkflowStatus;
      failures: number;
    }>(this.sql.fail, [
      workflowId,
      leaseToken,
      JSON.stringify(failure.error),
      failure.retryAt,
      failure.maxFailures,
      failure.abort === true,
      failure.now,
    ]);
    return rows[0] && { status: rows[0].status, failures: rows[0].failures };
  }
}
