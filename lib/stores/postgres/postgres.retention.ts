import { TERMINAL_STATUSES, type WorkflowPurge } from '../persistence';
import type { Queryable, Statement } from './postgres.queryable';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 5 made the index a purge reads on `updated_at`; migration 11 (postgres.ended.ts)
 * replaces it with one on `ended_at`, ended workflows (no `ready_at`) by status, oldest first, so
 * that a batch costs the same however many workflows the table keeps. A schema made now skips it.
 */
export const retentionMigration = (): string[] => [];

/**
 * Retention in the PostgreSQL store: each call is one statement that deletes the workflows and
 * their steps and signals together (a purge skips rows another transaction holds).
 */
export class PostgresRetention {
  private readonly deleteOne: Statement;
  private readonly purgeBatch: Statement;

  constructor(
    private readonly query: Queryable,
    schema: string,
  ) {
    const workflows = `"${schema}".workflows`;
    const steps = `"${schema}".steps`;
    const signals = `"${schema}".signals`;
    this.deleteOne = {
      name: `lidex_${schema}_delete`,
      text: `WITH gone AS (
          DELETE FROM ${workflows} WHERE id = $1 AND status IN (${ENDED}) RETURNING id
        ), steps_gone AS (
          DELETE FROM ${steps} WHERE workflow_id IN (SELECT id FROM gone)
        ), signals_gone AS (
          DELETE FROM ${signals} WHERE workflow_id IN (SELECT id FROM gone)
        )
        SELECT EXISTS (SELECT 1 FROM gone) AS deleted,
          EXISTS (SELECT 1 FROM ${workflows} WHERE id = $1) AS found`,
    };
    this.purgeBatch = {
      name: `lidex_${schema}_purge`,
      text: `WITH doomed AS (
          SELECT id FROM ${workflows}
          WHERE status = $1 AND ended_at < $2 AND ready_at IS NULL AND status IN (${ENDED})
          ORDER BY ended_at LIMIT $3 FOR UPDATE SKIP LOCKED
        ), gone AS (
          DELETE FROM ${workflows} w USING doomed d WHERE w.id = d.id RETURNING w.id
        ), steps_gone AS (
          DELETE FROM ${steps} WHERE workflow_id IN (SELECT id FROM gone)
        ), signals_gone AS (
          DELETE FROM ${signals} WHERE workflow_id IN (SELECT id FROM gone)
        )
        SELECT count(*)::int AS n FROM gone`,
    };
  }

  async delete(workflowId: string): Promise<boolean | undefined> {
    const { rows } = await this.query<{ deleted: boolean; found: boolean }>(
      this.deleteOne,
      [workflowId],
    );
    if (rows[0].deleted) return true;
    return rows[0].found ? false : undefined;
  }

  async purge(purge: WorkflowPurge): Promise<number> {
    const { rows } = await this.query<{ n: number }>(this.purgeBatch, [
      purge.status,
      purge.endedBefore,
      purge.limit,
    ]);
    return rows[0].n;
  }
}
