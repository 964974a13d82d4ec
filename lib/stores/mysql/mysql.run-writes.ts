import type { WorkflowStatus } from '../../model';
import type { FailureRecord, Lease, LeaseRelease } from '../persistence';
import type { BatchedWrite } from './mysql.batch-writes';
import type { MysqlQuery } from './mysql.connection';
import type { MysqlNames } from './mysql.names';
import { releaseToWait } from './mysql.signals';

/**
 * A run's writes in the MySQL store that are sent alone, each a `CALL` of a procedure that locks
 * the row and checks the lease token: the lease renewed, released (to sleep or wait), a failure,
 * and a step or finish whose turn had no other (`mysql.batch-writes.ts` batches the rest).
 */
export class MysqlRunWrites {
  constructor(
    private readonly query: MysqlQuery,
    private readonly tablePrefix: string,
    private readonly names: MysqlNames,
  ) {}

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.held('renew', [workflowId, lease.token, lease.until]);
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const { wait } = release;
    if (wait) {
      return releaseToWait(this.query, this.tablePrefix, {
        ...release,
        workflowId,
        leaseToken,
        wait,
      });
    }
    return this.held('release', [
      workflowId,
      leaseToken,
      release.readyAt ?? null,
      release.now,
    ]);
  }

  /** A step or finish sent alone: its own procedure. */
  writeAlone(write: BatchedWrite): Promise<boolean> {
    return write.op === 'step'
      ? this.held('step', [
          write.id,
          write.token,
          write.ready,
          write.now,
          write.release,
          write.kind,
          write.step,
          write.result,
          write.wake,
          write.started,
          write.recorded,
        ])
      : write.last
        ? this.held('finish_step', [
            write.id,
            write.token,
            write.result,
            write.now,
            write.last.kind,
            write.last.step,
            write.last.result,
            write.last.started,
            write.last.recorded,
          ])
        : this.held('finish', [write.id, write.token, write.result, write.now]);
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { sets } = await this.query(
      `CALL ${this.names.procedure('fail')}(?, ?, ?, ?, ?, ?, ?)`,
      [
        workflowId,
        leaseToken,
        JSON.stringify(failure.error),
        failure.retryAt ?? null,
        failure.maxFailures,
        failure.abort === true,
        failure.now,
      ],
    );
    const row = sets[0]?.[0];
    return (
      row && {
        status: row.status as WorkflowStatus,
        failures: Number(row.failures),
      }
    );
  }

  /** A fenced write's procedure, answering whether the lease held (or its own try was kept). */
  private async held(procedure: string, values: unknown[]): Promise<boolean> {
    const marks = values.map(() => '?').join(', ');
    const { sets } = await this.query(
      `CALL ${this.names.procedure(procedure)}(${marks})`,
      values,
    );
    return Number(sets[0]?.[0]?.held) === 1;
  }
}
