import type { ClaimOptions } from '../persistence';
import type { Statement } from './postgres.queryable';
import { NOT_WAITING, signalsOf } from './postgres.signals';
import { skipNewerVersions } from './postgres.versions';

/*
 * Flow control in the PostgreSQL store. Priorities order every claim. A claim with limits runs in
 * its own transaction: it first takes one advisory lock per schema, then counts and claims in one
 * statement. Under READ COMMITTED that statement's snapshot is taken after the lock is granted,
 * so it sees every lease the previous holder's claim committed: two claims never both count the
 * same free slot. Writes that let a lease go take no lock: they only free slots.
 */

/** Migration 7: priorities, concurrency keys and first claims, with the indexes claims use. */
export const flowMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows
    ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS concurrency_key text COLLATE "C",
    ADD COLUMN IF NOT EXISTS first_claimed_at bigint`,
  `CREATE INDEX IF NOT EXISTS workflows_priority_ready
    ON "${schema}".workflows (priority DESC, ready_at) WHERE ready_at IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS workflows_leased
    ON "${schema}".workflows (name, concurrency_key) WHERE lease_token IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS workflows_first_claims
    ON "${schema}".workflows (name, first_claimed_at) WHERE first_claimed_at IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS workflows_first_claims_by_key
    ON "${schema}".workflows (name, concurrency_key, first_claimed_at)
    WHERE first_claimed_at IS NOT NULL AND concurrency_key IS NOT NULL`,
];

/** The leases held by workflows of the names in `$1` (a text array), per key. */
export const leasedCountsSql = (schema: string): Statement => ({
  name: `lidex_${schema}_leased_counts`,
  text: `SELECT name, concurrency_key AS key, count(*)::int AS n FROM "${schema}".workflows
    WHERE lease_token IS NOT NULL AND name = ANY($1::text[])
    GROUP BY name, concurrency_key`,
});

/**
 * The lock limited claims of one schema take in turn (`$1`: the schema), with the transaction's
 * idle limit (`$2`, ms: `flowIdleLimitMs`).
 */
export const flowLockSql = `SELECT set_config('idle_in_transaction_session_timeout', $2, true),
  pg_advisory_xact_lock(hashtextextended('lidex flow ' || $1, 0))`;

/**
 * How long a limited claim's transaction may sit idle (its process frozen, say by SIGSTOP,
 * between two of its statements) before the server ends its session: a lease's time, at least
 * a second. Its lock is then let go, and every other limited claim of the schema, which waits
 * for that lock, goes on; without the limit they all waited until the frozen process woke
 * (test/crash/flow-kill.spec.ts). The frozen claim's COMMIT then fails: it claimed nothing.
 */
export const flowIdleLimitMs = (now: number, leaseUntil: number): number =>
  Math.max(1000, Math.ceil(leaseUntil - now));

/** `$6` of a limited claim: the limits as a jsonb object of name to `FlowLimit`. */
export function limitsParam(options: ClaimOptions | undefined): string {
  return JSON.stringify(Object.fromEntries(options?.limits ?? []));
}

/** How many ready workflows a limited claim looks at for `count` leases (some are skipped). */
export const scanSize = (count: number): number =>
  Math.min(count * 4 + 20, 1000);

/**
 * The claim: $1 now, $2 lease tokens, $3 lease expiries, $4 how many, $5 versions; limited, also
 * $6 limits and $7 how many to look at. By priority (highest first) then oldest, or oldest alone;
 * a limited claim looks at the ready compensating workflows first (oldest first, by the status
 * index) and takes them before the others: a cancelled workflow's compensations take the next
 * free slot of its name and key.
 */
export function claimSql(
  schema: string,
  { oldest, limited }: { oldest: boolean; limited: boolean },
): string {
  const workflows = `"${schema}".workflows`;
  const steps = `"${schema}".steps`;
  const order = (t: string) =>
    `${oldest ? '' : `${t}.priority DESC, `}${t}.ready_at, ${t}.id`;
  // A limited claim takes the ready compensating workflows first (`to_compensate`).
  const first = (t: string) => `${t}.compensating DESC, ${order(t)}`;
  const candidate = `w.id, w.name, w.concurrency_key, w.priority, w.ready_at, w.attempts,
          w.lease_token IS NOT NULL AS leased`;
  // A compensating workflow not leased, of w's name (and key, under a per-key limit), goes
  // first, also one cancelled at a time later than $1 (during this claim): unleased and
  // compensating is only ever a workflow just cancelled (a compensating run keeps its lease).
  // Read from `cancelled`, gathered once per claim through the status index: a lookup per
  // candidate went through the name's index, every workflow of the name (39% fewer limited
  // workflows a second on the flow spec's three processes).
  const compensatingFirst = `SELECT 1 FROM lim JOIN cancelled x ON x.name = lim.name
            WHERE lim.name = w.name AND x.id <> w.id AND (lim.concurrency IS NOT NULL OR lim.per_key IS NOT NULL)
              AND (lim.per_key IS NULL
                OR x.concurrency_key IS NOT DISTINCT FROM w.concurrency_key)`;
  // Ready, of a version the worker runs, and (unless it holds its slot already) of no name or
  // key at its limit.
  const admissible = `w.ready_at IS NOT NULL AND w.ready_at <= $1 AND ${skipNewerVersions('$5')}
          AND (w.lease_token IS NOT NULL OR NOT EXISTS (
            SELECT 1 FROM lim JOIN held ON held.name = lim.name
            WHERE lim.name = w.name AND (held.n >= lim.concurrency
              OR (w.attempts = 0 AND held.started >= lim.rate_max)
              OR EXISTS (SELECT 1 FROM held_keys k WHERE k.name = w.name
                AND k.key = w.concurrency_key AND k.n >= lim.per_key)
              OR (w.attempts = 0 AND EXISTS (SELECT 1 FROM started_keys q
                WHERE q.name = w.name AND q.key = w.concurrency_key
                  AND q.n >= lim.key_rate_max)))))`;
  const ready = limited
    ? `lim AS (
        SELECT key AS name, (value ->> 'concurrency')::int AS concurrency,
          (value ->> 'perKey')::int AS per_key, (value -> 'rate' ->> 'max')::int AS rate_max,
          (value -> 'rate' ->> 'perMs')::bigint AS rate_ms,
          (value -> 'keyRate' ->> 'max')::int AS key_rate_max,
          (value -> 'keyRate' ->> 'perMs')::bigint AS key_rate_ms
        FROM jsonb_each($6::jsonb)
      ), held AS (
        SELECT lim.name,
          (SELECT count(*) FROM ${workflows} h
           WHERE h.name = lim.name AND h.lease_token IS NOT NULL) AS n,
          (SELECT count(*) FROM ${workflows} s
           WHERE s.name = lim.name AND s.first_claimed_at > $1 - lim.rate_ms) AS started
        FROM lim
      ), held_keys AS (
        SELECT h.name, h.concurrency_key AS key, count(*) AS n
        FROM ${workflows} h JOIN lim ON lim.name = h.name
        WHERE h.lease_token IS NOT NULL AND h.concurrency_key IS NOT NULL
          AND lim.per_key IS NOT NULL
        GROUP BY h.name, h.concurrency_key
      ), started_keys AS (
        SELECT s.name, s.concurrency_key AS key, count(*) AS n
        FROM ${workflows} s JOIN lim ON lim.name = s.name
        WHERE lim.key_rate_max IS NOT NULL AND s.concurrency_key IS NOT NULL
          AND s.first_claimed_at > $1 - lim.key_rate_ms
        GROUP BY s.name, s.concurrency_key
      ), cancelled AS MATERIALIZED (
        SELECT x.id, x.name, x.concurrency_key FROM ${workflows} x
        WHERE x.status = 'compensating' AND x.lease_token IS NULL
      ), to_compensate AS (
        SELECT ${candidate} FROM ${workflows} w
        WHERE w.status = 'compensating' AND ${admissible}
        ORDER BY w.ready_at, w.id LIMIT $7
        FOR UPDATE OF w SKIP LOCKED
      ), to_run AS (
        SELECT ${candidate} FROM ${workflows} w
        WHERE ${admissible} AND w.id NOT IN (SELECT id FROM to_compensate)
          AND (w.lease_token IS NOT NULL OR NOT EXISTS (${compensatingFirst}))
        ORDER BY ${order('w')} LIMIT $7
        FOR UPDATE OF w SKIP LOCKED
      ), candidates AS (
        SELECT *, true AS compensating FROM to_compensate
        UNION ALL SELECT *, false FROM to_run
      ), counted AS (
        SELECT c.*,
          row_number() OVER (PARTITION BY c.name, c.leased ORDER BY ${first('c')}) AS by_name,
          row_number() OVER (PARTITION BY c.name, c.concurrency_key, c.leased
            ORDER BY ${first('c')}) AS by_key,
          row_number() OVER (PARTITION BY c.name, c.leased OR c.attempts > 0
            ORDER BY ${first('c')}) AS by_start,
          row_number() OVER (PARTITION BY c.name, c.concurrency_key, c.leased OR c.attempts > 0
            ORDER BY ${first('c')}) AS by_key_start
        FROM candidates c
      ), ready AS (
        SELECT c.id, c.priority, c.ready_at, c.compensating FROM counted c
        LEFT JOIN lim ON lim.name = c.name
        LEFT JOIN held ON held.name = c.name
        LEFT JOIN held_keys k ON k.name = c.name AND k.key = c.concurrency_key
        LEFT JOIN started_keys q ON q.name = c.name AND q.key = c.concurrency_key
        WHERE c.leased OR lim.name IS NULL OR (
          (lim.concurrency IS NULL OR held.n + c.by_name <= lim.concurrency)
          AND (lim.per_key IS NULL OR c.concurrency_key IS NULL
            OR COALESCE(k.n, 0) + c.by_key <= lim.per_key)
          AND (lim.rate_max IS NULL OR c.attempts > 0
            OR held.started + c.by_start <= lim.rate_max)
          AND (lim.key_rate_max IS NULL OR c.attempts > 0 OR c.concurrency_key IS NULL
            OR COALESCE(q.n, 0) + c.by_key_start <= lim.key_rate_max))
        ORDER BY ${first('c')} LIMIT $4
      )`
    : `ready AS (
        SELECT w.id, w.priority, w.ready_at FROM ${workflows} w
        WHERE w.ready_at IS NOT NULL AND w.ready_at <= $1 AND ${skipNewerVersions('$5')}
        ORDER BY ${oldest ? 'w.ready_at' : 'w.priority DESC, w.ready_at'} LIMIT $4
        FOR UPDATE SKIP LOCKED
      )`;
  return `WITH ${ready}, ranked AS (
      SELECT r.id, row_number() OVER (ORDER BY ${limited ? first('r') : order('r')}) AS n
      FROM ready r
    ), leases AS (
      SELECT * FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS l(token, until, n)
    ), claimed AS (
      UPDATE ${workflows} w
      SET status = CASE w.status WHEN 'compensating' THEN w.status ELSE 'running' END,
          lease_token = leases.token, ready_at = leases.until,
          attempts = w.attempts + 1, updated_at = $1, ${NOT_WAITING},
          first_claimed_at = COALESCE(w.first_claimed_at, $1)
      FROM ranked JOIN leases ON leases.n = ranked.n
      WHERE w.id = ranked.id
      RETURNING w.id, w.name, w.input, w.version, w.deadline_at, w.trace_context, w.parent,
        leases.token,
        ranked.n
    )
    SELECT c.id, c.name, c.input, c.version, c.deadline_at, c.trace_context, c.parent,
      c.token,
      (SELECT json_agg(json_build_array(st.kind, st.step_id, st.result, st.wake_at,
        st.started_at, st.recorded_at) ORDER BY st.seq)
       FROM ${steps} st WHERE st.workflow_id = c.id) AS steps,
      ${signalsOf(schema, 'c.id')} AS signals
    FROM claimed c ORDER BY c.n`;
}
