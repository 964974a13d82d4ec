import type { BetterSqlite3 } from './sqlite.driver-types';
import { TERMINAL_STATUSES, type WorkflowPurge } from '../persistence';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Retention in the SQLite store: deleting an ended workflow with its steps and signals, and
 * purging a batch of the oldest of one status. Compiled once per connection; each call runs in
 * the caller's write transaction.
 */
export class SqliteRetentionStatements {
  private readonly deleteEnded: BetterSqlite3.Statement;
  private readonly selectExists: BetterSqlite3.Statement;
  private readonly selectPurgeable: BetterSqlite3.Statement;
  private readonly deleteSteps: BetterSqlite3.Statement;
  private readonly deleteSignals: BetterSqlite3.Statement;

  constructor(db: BetterSqlite3.Database, prefix: string) {
    const workflows = `${prefix}workflows`;
    this.deleteEnded = db.prepare(
      `DELETE FROM ${workflows} WHERE id = ? AND status IN (${ENDED})`,
    );
    this.selectExists = db.prepare(`SELECT 1 FROM ${workflows} WHERE id = ?`);
    // Through the index of ended workflows (sqlite.ended.ts): `ready_at IS NULL` lets the
    // planner use that partial index; ended workflows have none.
    this.selectPurgeable = db.prepare(
      `SELECT id FROM ${workflows}
       WHERE status = @status AND ended_at < @ended_before AND ready_at IS NULL
         AND status IN (${ENDED})
       ORDER BY ended_at LIMIT @limit`,
    );
    this.deleteSteps = db.prepare(
      `DELETE FROM ${prefix}steps WHERE workflow_id = ?`,
    );
    this.deleteSignals = db.prepare(
      `DELETE FROM ${prefix}signals WHERE workflow_id = ?`,
    );
  }

  /** `true` when deleted, `false` when it has not ended, `undefined` when there is none. */
  delete(workflowId: string): boolean | undefined {
    if (this.deleteEnded.run(workflowId).changes === 1) {
      this.deleteKept(workflowId);
      return true;
    }
    return this.selectExists.get(workflowId) === undefined ? undefined : false;
  }

  purge(purge: WorkflowPurge): number {
    const rows = this.selectPurgeable.all({
      status: purge.status,
      ended_before: purge.endedBefore,
      limit: purge.limit,
    }) as { id: string }[];
    for (const { id } of rows) {
      this.deleteEnded.run(id);
      this.deleteKept(id);
    }
    return rows.length;
  }

  private deleteKept(workflowId: string): void {
    this.deleteSteps.run(workflowId);
    this.deleteSignals.run(workflowId);
  }
}
