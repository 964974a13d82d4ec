import type { WorkflowStatus } from '../../model';
import { CANCELLABLE_STATUSES, RETRYABLE_STATUSES } from '../persistence';
import type { Statement } from './postgres.queryable';
import { NOT_WAITING, signalsOf } from './postgres.signals';
import { claimSql } from './postgres.flow-control';
import { leaseIs } from './postgres.lease-fence';
import { priorityFilter } from './postgres.lean-indexes';

const quoted = (statuses: readonly WorkflowStatus[]): string =>
  statuses.map((status) => `'${status}'`).join(', ');

/** A workflow's steps as one JSON array of [kind, id, result, wakeAt, startedAt, recordedAt]. */
const stepsOf = (steps: string, workflowId: string): string =>
  `(SELECT json_agg(json_build_array(st.kind, st.step_id, st.result, st.wake_at, st.started_at,
      st.recorded_at) ORDER BY st.seq) FROM ${steps} st WHERE st.workflow_id = ${workflowId})`;

/**
 * The PostgreSQL store's statements for one schema: each write is one statement, fenced by the
 * lease token where it belongs to a run, so each costs one round trip. Names are per schema, as
 * PostgreSQL prepares them once per connection.
 */
export function postgresStatements(schema: string) {
  const workflows = `"${schema}".workflows`;
  const steps = `"${schema}".steps`;
  const statement = (role: string, text: string): Statement => ({
    name: `lidex_${schema}_${role}`,
    text,
  });
  const insertValues = `INSERT INTO ${workflows}
      (id, name, status, input, failures, attempts, ready_at, lease_token, created_at, updated_at,
       version, deadline_at, priority, concurrency_key, first_claimed_at, trace_context, parent)
    VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $8, $9, $10, $11, $12,
      CASE WHEN $7::text IS NULL THEN NULL ELSE $8::bigint END, $13, $14)
    ON CONFLICT (id) DO NOTHING`;
  return {
    /**
     * $1 id, $2 name, $3 status, $4 input, $5 attempts, $6 ready_at, $7 lease_token, $8 now,
     * $9 version, $10 deadline_at, $11 priority, $12 concurrency key, $13 trace context,
     * $14 parent
     */
    insertLeased: statement('insert_leased', `${insertValues} RETURNING 1`),
    /** The same for a workflow ready now (no lease), notifying listeners on $15. */
    insertReady: statement(
      'insert_ready',
      `WITH inserted AS (${insertValues} RETURNING 1)
      SELECT (SELECT count(*) FROM inserted) AS inserted, pg_notify($15, '') AS notified`,
    ),
    /**
     * $1 now, $2 lease tokens, $3 lease expiries, $4 how many, $5 the versions the worker runs:
     * the ready workflows by priority then age (`claimOldest`: by age alone), skipping those
     * another claim holds locked and those of a newer version, each under the lease of its rank,
     * with its steps (`postgres.flow-control.ts`).
     */
    claim: statement(
      'claim',
      claimSql(schema, { oldest: false, limited: false }),
    ),
    claimOldest: statement(
      'claim_oldest',
      claimSql(schema, { oldest: true, limited: false }),
    ),
    /** $1 id, $2 token, $3 until */
    renew: statement(
      'renew',
      `UPDATE ${workflows} SET ready_at = $3 WHERE id = $1 AND ${leaseIs('$2')}`,
    ),
    /**
     * $1 id, $2 token, $3 ready_at, $4 now, $5 release, $6 kind, $7 step id, $8 result,
     * $9 wake_at, $10 started_at, $11 recorded_at. The step is kept once (a repeat keeps the
     * first). `held` is false when the lease is lost, except for a release whose earlier try was
     * applied (its answer lost): the workflow then holds no lease, was let go by this one, and
     * has this very step.
     */
    recordStep: statement(
      'record_step',
      `WITH advanced AS (
        UPDATE ${workflows}
        SET ready_at = COALESCE($3::bigint, ready_at), updated_at = $4,
            lease_token = CASE WHEN $5::boolean THEN NULL ELSE lease_token END,
            last_lease = CASE WHEN $5::boolean THEN lease_token ELSE last_lease END
        WHERE id = $1 AND ${leaseIs('$2')}
        RETURNING id
      ), added AS (
        INSERT INTO ${steps} (workflow_id, kind, step_id, result, wake_at, started_at, recorded_at)
        SELECT id, $6, $7, $8, $9, $10, $11 FROM advanced
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM advanced) THEN true
        WHEN $5::boolean THEN EXISTS (
          SELECT 1 FROM ${workflows} w JOIN ${steps} st ON st.workflow_id = w.id
          WHERE w.id = $1 AND w.lease_token IS NULL AND w.last_lease = $2
            AND w.status = 'running' AND st.kind = $6 AND st.step_id = $7)
        ELSE false END AS held`,
    ),
    /**
     * $1 id, $2 token, $3 ready_at, $4 now, $5 channel. Recognises its own earlier try (no lease,
     * let go by this one, the same ready_at). Notifies: the workflow may be ready for another
     * instance now.
     */
    release: statement(
      'release',
      `WITH released AS (
        UPDATE ${workflows}
        SET ready_at = $3, updated_at = $4, lease_token = NULL, last_lease = lease_token
        WHERE id = $1 AND ${leaseIs('$2')}
        RETURNING 1
      )
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM released) THEN true
        ELSE EXISTS (SELECT 1 FROM ${workflows} WHERE id = $1 AND lease_token IS NULL
          AND last_lease = $2 AND status = 'running' AND ready_at = $3)
        END AS held, pg_notify($5, '') AS notified`,
    ),
    /**
     * $1 id, $2 token, $3 result, $4 now; the run's last step, recorded with it, or nulls: $5 kind,
     * $6 step id, $7 result, $8 started_at, $9 recorded_at. Recognises its own earlier try (let go
     * by this lease).
     */
    finish: statement(
      'finish',
      `WITH finished AS (
        UPDATE ${workflows}
        SET status = 'finished', result = $3, lease_token = NULL, last_lease = lease_token,
            ready_at = NULL, updated_at = $4, ended_at = $4
        WHERE id = $1 AND ${leaseIs('$2')}
        RETURNING id
      ), added AS (
        INSERT INTO ${steps} (workflow_id, kind, step_id, result, started_at, recorded_at)
        SELECT id, $5, $6, $7, $8, $9 FROM finished WHERE $5::text IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM finished) THEN true
        ELSE EXISTS (SELECT 1 FROM ${workflows} WHERE id = $1 AND status = 'finished'
          AND lease_token IS NULL AND last_lease = $2)
        END AS held`,
    ),
    /**
     * $1 id, $2 token, $3 error, $4 retry_at, $5 max failures, $6 abort, $7 now.
     * Recognises its own earlier try (no lease, let go by this one).
     */
    fail: statement(
      'fail',
      `WITH failed AS (
        UPDATE ${workflows}
        SET failures = failures + 1,
            status = CASE WHEN $6::boolean OR failures + 1 >= $5 THEN 'aborted' ELSE 'failed' END,
            ready_at = CASE WHEN $6::boolean OR failures + 1 >= $5 THEN NULL ELSE $4::bigint END,
            ended_at = CASE WHEN $6::boolean OR failures + 1 >= $5 THEN $7::bigint END,
            error = $3, lease_token = NULL, last_lease = lease_token, updated_at = $7
        WHERE id = $1 AND ${leaseIs('$2')}
        RETURNING status, failures
      )
      SELECT status, failures FROM failed
      UNION ALL
      SELECT status, failures FROM ${workflows}
      WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM failed) AND lease_token IS NULL
        AND last_lease = $2 AND status IN ('failed', 'aborted')`,
    ),
    serverTime: statement(
      'server_time',
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`,
    ),
    /** $1 id */
    get: statement(
      'get',
      `SELECT w.*, ${stepsOf(steps, 'w.id')} AS steps, ${signalsOf(schema, 'w.id')} AS signals
      FROM ${workflows} w WHERE w.id = $1`,
    ),
    countByStatus: statement(
      'count',
      `SELECT status, count(*) AS n FROM ${workflows} GROUP BY status`,
    ),
    /** $1 name */
    countByStatusOfName: statement(
      'count_name',
      `SELECT status, count(*) AS n FROM ${workflows} WHERE name = $1 GROUP BY status`,
    ),
    /**
     * $1 id, $2 now, $3 the reason (an error, or null to keep the error): the status after, or
     * no row when there is no such workflow.
     */
    cancel: statement(
      'cancel',
      `WITH cancelled AS (
        UPDATE ${workflows}
        SET status = 'cancelled', lease_token = NULL, ready_at = NULL, updated_at = $2, ended_at = $2,
            error = COALESCE($3::text, error),
            ${NOT_WAITING}
        WHERE id = $1 AND status IN (${quoted(CANCELLABLE_STATUSES)})
        RETURNING status
      )
      SELECT status FROM cancelled
      UNION ALL
      SELECT status FROM ${workflows} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM cancelled)`,
    ),
    /** $1 id, $2 now, $3 channel */
    retry: statement(
      'retry',
      `WITH retried AS (
        UPDATE ${workflows}
        SET status = 'idle', failures = 0, lease_token = NULL, ready_at = $2, updated_at = $2,
            ended_at = NULL
        WHERE id = $1 AND status IN (${quoted(RETRYABLE_STATUSES)})
        RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM retried) AS retried,
        EXISTS (SELECT 1 FROM ${workflows} WHERE id = $1) AS found,
        pg_notify($3, '') AS notified`,
    ),
    /**
     * The list query for one combination of filters; parameters in the order status, name,
     * version, waiting, priority, concurrency key, after created_at, after id, then the limit.
     */
    list(shape: {
      status: boolean;
      name: boolean;
      after: boolean;
      version?: boolean;
      waiting?: boolean;
      /** Whether the asked priority is the default (0) or another (`priorityFilter`). */
      priority?: 'default' | 'other';
      concurrencyKey?: boolean;
    }): Statement {
      let n = 0;
      const where = [
        shape.status ? `status = $${++n}` : undefined,
        shape.name ? `name = $${++n}` : undefined,
        shape.version ? `version = $${++n}` : undefined,
        shape.waiting ? `waiting_kind = $${++n}` : undefined,
        shape.priority ? priorityFilter(shape.priority, `$${++n}`) : undefined,
        shape.concurrencyKey ? `concurrency_key = $${++n}` : undefined,
        shape.after ? `(created_at, id) < ($${++n}, $${++n})` : undefined,
      ].filter(Boolean);
      return statement(
        `list_${Number(shape.status)}${Number(shape.name)}${Number(shape.after)}` +
          (shape.version ? '_v' : '') +
          (shape.waiting ? '_w' : '') +
          (shape.priority === 'default' ? '_p0' : '') +
          (shape.priority === 'other' ? '_p' : '') +
          (shape.concurrencyKey ? '_k' : ''),
        `SELECT id, name, status, failures, attempts, error, ready_at, created_at, updated_at,
          version, waiting_for, priority, concurrency_key
        FROM ${workflows}
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${++n}`,
      );
    },
  };
}

export type PostgresStatements = ReturnType<typeof postgresStatements>;
