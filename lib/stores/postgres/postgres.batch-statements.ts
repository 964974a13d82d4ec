import type { Statement } from './postgres.queryable';
import { leaseIs } from './postgres.lease-fence';

/**
 * The batch forms of the store's hot writes (insert, step, finish with its last step): one statement over arrays
 * (`unnest`), one row per write, each fenced on its own, answering per write. Each does what the
 * single-row statement of `postgres.statements.ts` does for one; ids within a batch are distinct
 * (the batcher sees to it). Array elements are compared as `COLLATE "C"`, the ids' collation, so
 * the primary keys serve the joins.
 */
export function postgresBatchStatements(schema: string) {
  const workflows = `"${schema}".workflows`;
  const steps = `"${schema}".steps`;
  const statement = (role: string, text: string): Statement => ({
    name: `lidex_${schema}_batch_${role}`,
    text,
  });
  return {
    /**
     * $1 ids, $2 names, $3 statuses, $4 inputs, $5 attempts, $6 ready_at, $7 lease tokens,
     * $8 now, $9 versions, $10 deadlines (null: none), $11 priorities, $12 concurrency keys,
     * $13 trace contexts, $14 parents; $15 the channel to notify (null: none of them is ready). Answers the ids inserted.
     */
    insert: statement(
      'insert',
      `WITH inserted AS (
        INSERT INTO ${workflows}
          (id, name, status, input, failures, attempts, ready_at, lease_token, created_at, updated_at,
           version, deadline_at, priority, concurrency_key, first_claimed_at, trace_context, parent)
        SELECT i.id, i.name, i.status, i.input, 0, i.attempts, i.ready_at, i.token, i.now, i.now,
          i.version, i.deadline_at, i.priority, i.concurrency_key,
          CASE WHEN i.token IS NULL THEN NULL ELSE i.now END, i.trace_context, i.parent
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
          $7::text[], $8::bigint[], $9::int[], $10::bigint[], $11::int[], $12::text[], $13::text[],
          $14::text[])
          AS i(id, name, status, input, attempts, ready_at, token, now, version, deadline_at,
            priority, concurrency_key, trace_context, parent)
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      )
      SELECT array_agg(id) AS ids,
        CASE WHEN $15::text IS NULL THEN NULL ELSE pg_notify($15, '') END AS notified
      FROM inserted`,
    ),
    /**
     * $1 ids, $2 tokens, $3 ready_at, $4 now, $5 release, $6 kinds, $7 step ids, $8 results,
     * $9 wake_at, $10 started_at, $11 recorded_at: `held` per write, in their order, as
     * `recordStep` answers it.
     */
    recordStep: statement(
      'record_step',
      `WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::boolean[],
          $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[])
          WITH ORDINALITY AS i(id, token, ready_at, now, release, kind, step_id, result, wake_at,
            started_at, recorded_at, n)
      ), advanced AS (
        UPDATE ${workflows} w
        SET ready_at = COALESCE(i.ready_at, w.ready_at), updated_at = i.now,
            lease_token = CASE WHEN i.release THEN NULL ELSE w.lease_token END,
            last_lease = CASE WHEN i.release THEN w.lease_token ELSE w.last_lease END
        FROM input i
        WHERE w.id = i.id COLLATE "C" AND ${leaseIs('i.token', 'w.lease_token')}
        RETURNING w.id
      ), added AS (
        INSERT INTO ${steps} (workflow_id, kind, step_id, result, wake_at, started_at, recorded_at)
        SELECT i.id, i.kind, i.step_id, i.result, i.wake_at, i.started_at, i.recorded_at
        FROM input i JOIN advanced a ON a.id = i.id COLLATE "C"
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT CASE
        WHEN a.id IS NOT NULL THEN true
        WHEN i.release THEN EXISTS (
          SELECT 1 FROM ${workflows} w JOIN ${steps} st ON st.workflow_id = w.id
          WHERE w.id = i.id COLLATE "C" AND w.lease_token IS NULL AND w.last_lease = i.token
            AND w.status = 'running' AND st.kind = i.kind AND st.step_id = i.step_id COLLATE "C")
        ELSE false END AS held
      FROM input i LEFT JOIN advanced a ON a.id = i.id COLLATE "C"
      ORDER BY i.n`,
    ),
    /**
     * $1 ids, $2 tokens, $3 results, $4 now; each run's last step, recorded with it, or nulls:
     * $5 kinds, $6 step ids, $7 step results, $8 started_at, $9 recorded_at. `held` per write, in
     * their order.
     */
    finish: statement(
      'finish',
      `WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
          $6::text[], $7::text[], $8::bigint[], $9::bigint[])
          WITH ORDINALITY AS i(id, token, result, now, kind, step_id, step_result, started_at,
            recorded_at, n)
      ), finished AS (
        UPDATE ${workflows} w
        SET status = 'finished', result = i.result, lease_token = NULL,
            last_lease = w.lease_token, ready_at = NULL, updated_at = i.now, ended_at = i.now
        FROM input i
        WHERE w.id = i.id COLLATE "C" AND ${leaseIs('i.token', 'w.lease_token')}
        RETURNING w.id
      ), added AS (
        INSERT INTO ${steps} (workflow_id, kind, step_id, result, started_at, recorded_at)
        SELECT i.id, i.kind, i.step_id, i.step_result, i.started_at, i.recorded_at
        FROM input i JOIN finished f ON f.id = i.id COLLATE "C"
        WHERE i.kind IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT CASE
        WHEN f.id IS NOT NULL THEN true
        ELSE EXISTS (SELECT 1 FROM ${workflows} w WHERE w.id = i.id COLLATE "C"
          AND w.status = 'finished' AND w.lease_token IS NULL AND w.last_lease = i.token)
        END AS held
      FROM input i LEFT JOIN finished f ON f.id = i.id COLLATE "C"
      ORDER BY i.n`,
    ),
  };
}

export type PostgresBatchStatements = ReturnType<
  typeof postgresBatchStatements
>;
