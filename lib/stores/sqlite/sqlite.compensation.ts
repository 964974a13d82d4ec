import type { BetterSqlite3 } from './sqlite.driver-types';
import {
  CANCELLABLE_STATUSES,
  type CompensationStatusChange,
} from '../persistence';
import { NOT_WAITING } from './sqlite.signals';

const RUNNABLE = CANCELLABLE_STATUSES.filter((s) => s !== 'compensating')
  .map((status) => `'${status}'`)
  .join(', ');

/**
 * Compensation in the SQLite store: a cancel that moves a workflow with `compensable` records
 * to `compensating` (ready since its creation, its `compensating` record added), and a
 * compensating run's fenced change of status. Each call runs in the caller's write transaction.
 */
export class SqliteCompensationStatements {
  private readonly toCompensating: BetterSqlite3.Statement;
  private readonly insertBegin: BetterSqlite3.Statement;
  private readonly selectStatus: BetterSqlite3.Statement;
  private readonly setStatus: BetterSqlite3.Statement;
  private readonly selectLetGo: BetterSqlite3.Statement;

  constructor(db: BetterSqlite3.Database, prefix: string) {
    const workflows = `${prefix}workflows`;
    const steps = `${prefix}steps`;
    this.toCompensating = db.prepare(
      `UPDATE ${workflows}
         SET status = 'compensating', lease_token = NULL, ready_at = created_at, updated_at = @now,
             ${NOT_WAITING}
       WHERE id = @id AND status IN (${RUNNABLE})
         AND EXISTS (SELECT 1 FROM ${steps} WHERE workflow_id = @id AND kind = 'compensable')`,
    );
    this.insertBegin = db.prepare(
      `INSERT INTO ${steps} (workflow_id, kind, step_id, recorded_at)
       VALUES (@id, 'compensating', 'cancelled', @now) ON CONFLICT DO NOTHING`,
    );
    this.selectStatus = db.prepare(
      `SELECT status FROM ${workflows} WHERE id = ?`,
    );
    this.setStatus = db.prepare(
      `UPDATE ${workflows}
         SET status = @status, error = COALESCE(@error, error), updated_at = @now,
             ready_at = CASE WHEN @ends = 1 THEN NULL ELSE ready_at END,
             ended_at = CASE WHEN @ends = 1 THEN @now ELSE ended_at END,
             last_lease = CASE WHEN @ends = 1 THEN lease_token ELSE last_lease END,
             lease_token = CASE WHEN @ends = 1 THEN NULL ELSE lease_token END
       WHERE id = @id AND lease_token = @lease_token`,
    );
    this.selectLetGo = db.prepare(
      `SELECT status FROM ${workflows}
       WHERE id = @id AND lease_token IS NULL AND last_lease = @lease_token`,
    );
  }

  /**
   * The cancel that compensates: `true` when the workflow is (now or already) compensating,
   * `undefined` when the plain cancel is to be made instead.
   */
  cancel(workflowId: string, now: number): true | undefined {
    const row = this.selectStatus.get(workflowId) as
      { status: string } | undefined;
    if (row?.status === 'compensating') return true;
    if (this.toCompensating.run({ id: workflowId, now }).changes === 0)
      return undefined;
    this.insertBegin.run({ id: workflowId, now });
    return true;
  }

  record(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): boolean {
    const ends = change.status !== 'compensating';
    const applied = this.setStatus.run({
      id: workflowId,
      lease_token: leaseToken,
      status: change.status,
      error: change.error ? JSON.stringify(change.error) : null,
      now: change.now,
      ends: ends ? 1 : 0,
    });
    if (applied.changes === 1) return true;
    if (!ends) return false;
    const letGo = this.selectLetGo.get({
      id: workflowId,
      lease_token: leaseToken,
    }) as { status: string } | undefined;
    return letGo?.status === change.status;
  }
}
