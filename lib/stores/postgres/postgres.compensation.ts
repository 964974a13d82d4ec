import {
  CANCELLABLE_STATUSES,
  type CompensationStatusChange,
} from '../persistence';
import type { Queryable, Statement } from './postgres.queryable';
import { NOT_WAITING } from './postgres.signals';
import { leaseIs } from './postgres.lease-fence';

const RUNNABLE = CANCELLABLE_STATUSES.filter((s) => s !== 'compensating')
  .map((status) => `'${status}'`)
  .join(', ');

/**
 * Compensation in the PostgreSQL store: the cancel that moves a workflow with `compensable`
 * records to `compensating` (ready since its creation, its `compensating` record added, workers
 * notified) in one statement, and a compensating run's fenced change of status.
 */
export class PostgresCompensation {
  private readonly cancelToCompensating: Statement;
  private readonly setStatus: Statement;

  constructor(
    private readonly query: Queryable,
    schema: string,
    private readonly channel: string,
  ) {
    const workflows = `"${schema}".workflows`;
    const steps = `"${schema}".steps`;
    this.cancelToCompensating = {
      name: `lidex_${schema}_cancel_compensate`,
      text: `WITH moved AS (
          UPDATE ${workflows}
          SET status = 'compensating', lease_token = NULL, ready_at = created_at, updated_at = $2,
              ${NOT_WAITING}
          WHERE id = $1 AND status IN (${RUNNABLE})
            AND EXISTS (SELECT 1 FROM ${steps} WHERE workflow_id = $1 AND kind = 'compensable')
          RETURNING id
        ), began AS (
          INSERT INTO ${steps} (workflow_id, kind, step_id, recorded_at)
          SELECT id, 'compensating', 'cancelled', $2 FROM moved
          ON CONFLICT DO NOTHING
        )
        SELECT EXISTS (SELECT 1 FROM moved) AS moved,
          (SELECT status FROM ${workflows} WHERE id = $1) AS status,
          CASE WHEN EXISTS (SELECT 1 FROM moved) THEN pg_notify($3, '') END AS notified`,
    };
    this.setStatus = {
      name: `lidex_${schema}_compensation_status`,
      text: `WITH changed AS (
          UPDATE ${workflows}
          SET status = $3, error = COALESCE($4, error), updated_at = $5,
              ready_at = CASE WHEN $6::boolean THEN NULL ELSE ready_at END,
              ended_at = CASE WHEN $6::boolean THEN $5::bigint ELSE ended_at END,
              last_lease = CASE WHEN $6::boolean THEN lease_token ELSE last_lease END,
              lease_token = CASE WHEN $6::boolean THEN NULL ELSE lease_token END
          WHERE id = $1 AND ${leaseIs('$2')}
          RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM changed) AS changed,
          EXISTS (SELECT 1 FROM ${workflows}
                  WHERE id = $1 AND lease_token IS NULL AND last_lease = $2 AND status = $3
                    AND $6::boolean) AS repeated`,
    };
  }

  /** `true` when the workflow is (now or already) compensating; `undefined`: cancel it plainly. */
  async cancel(workflowId: string, now: number): Promise<true | undefined> {
    const { rows } = await this.query<{
      moved: boolean;
      status: string | null;
    }>(this.cancelToCompensating, [workflowId, now, this.channel]);
    return rows[0].moved || rows[0].status === 'compensating'
      ? true
      : undefined;
  }

  async record(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    const { rows } = await this.query<{ changed: boolean; repeated: boolean }>(
      this.setStatus,
      [
        workflowId,
        leaseToken,
        change.status,
        change.error ? JSON.stringify(change.error) : null,
        change.now,
        change.status !== 'compensating',
      ],
    );
    return rows[0].changed || rows[0].repeated;
  }
}
