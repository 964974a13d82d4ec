import type {
  SignalDelivery,
  StoredSignal,
  WaitRelease,
  WaitTarget,
} from '../persistence';
import type { Queryable, Statement } from './postgres.queryable';
import { leaseIs } from './postgres.lease-fence';

/**
 * Signals in the PostgreSQL store: a `signals` table (each workflow's, numbered by `seq`), and on
 * the workflow how many it has had (`signal_count`, the next `seq` and what a release compares
 * with) and what a waiting one waits for (`waiting_for`, JSON; `waiting_kind` to filter on).
 */
export const signalsMigration = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS "${schema}".signals (
    workflow_id text COLLATE "C" NOT NULL,
    seq integer NOT NULL,
    name text COLLATE "C" NOT NULL,
    payload text NOT NULL,
    signal_id text COLLATE "C" NOT NULL,
    sent_at bigint NOT NULL,
    PRIMARY KEY (workflow_id, seq),
    UNIQUE (workflow_id, signal_id)
  )`,
  `ALTER TABLE "${schema}".workflows
    ADD COLUMN IF NOT EXISTS signal_count integer NOT NULL DEFAULT 0`,
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS waiting_for text`,
  `ALTER TABLE "${schema}".workflows ADD COLUMN IF NOT EXISTS waiting_kind text`,
  `CREATE INDEX IF NOT EXISTS workflows_waiting
    ON "${schema}".workflows (waiting_kind, created_at, id) WHERE waiting_kind IS NOT NULL`,
];

/** What a claim and a cancel set: the workflow no longer waits. */
export const NOT_WAITING = 'waiting_for = NULL, waiting_kind = NULL';

/** A workflow's signals as one JSON array of [seq, name, payload, signalId, sentAt]. */
export const signalsOf = (schema: string, workflowId: string): string =>
  `(SELECT json_agg(json_build_array(sg.seq, sg.name, sg.payload, sg.signal_id, sg.sent_at)
      ORDER BY sg.seq) FROM "${schema}".signals sg WHERE sg.workflow_id = ${workflowId})`;

export type SignalTuple = [number, string, string, string, number];

export const toStoredSignals = (
  signals: SignalTuple[] | null | undefined,
): StoredSignal[] =>
  (signals ?? []).map(([seq, name, payload, signalId, sentAt]) => ({
    seq,
    name,
    payload,
    signalId,
    sentAt: Number(sentAt),
  }));

export const toWaitTarget = (
  json: string | null | undefined,
): WaitTarget | undefined =>
  json ? (JSON.parse(json) as WaitTarget) : undefined;

export function signalStatements(schema: string) {
  const workflows = `"${schema}".workflows`;
  const signals = `"${schema}".signals`;
  const statement = (role: string, text: string): Statement => ({
    name: `lidex_${schema}_${role}`,
    text,
  });
  return {
    /**
     * $1 workflow id, $2 name, $3 payload, $4 signal id, $5 now, $6 channel. One statement: the
     * workflow's row is locked, its count bumped (the signal's `seq`), a waiting one made ready.
     */
    send: statement(
      'send_signal',
      `WITH target AS (
        SELECT id, status FROM ${workflows} WHERE id = $1 FOR UPDATE
      ), known AS (
        SELECT 1 FROM ${signals} WHERE workflow_id = $1 AND signal_id = $4
      ), bumped AS (
        UPDATE ${workflows} w
        SET signal_count = w.signal_count + 1, updated_at = $5,
            ready_at = CASE WHEN w.lease_token IS NULL AND w.waiting_kind IS NOT NULL
                            THEN $5::bigint ELSE w.ready_at END,
            waiting_for = CASE WHEN w.lease_token IS NULL THEN NULL ELSE w.waiting_for END,
            waiting_kind = CASE WHEN w.lease_token IS NULL THEN NULL ELSE w.waiting_kind END
        FROM target
        WHERE w.id = target.id AND NOT EXISTS (SELECT 1 FROM known)
          AND w.status NOT IN ('finished', 'aborted', 'cancelled')
        RETURNING w.signal_count AS seq
      ), added AS (
        INSERT INTO ${signals} (workflow_id, seq, name, payload, signal_id, sent_at)
        SELECT $1, seq, $2, $3, $4, $5 FROM bumped
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM target) THEN 'not-found'
        WHEN EXISTS (SELECT 1 FROM added) THEN 'delivered'
        WHEN EXISTS (SELECT 1 FROM known) OR EXISTS (SELECT 1 FROM bumped) THEN 'duplicate'
        ELSE 'ended' END AS delivery, pg_notify($6, '') AS notified`,
    ),
    /**
     * $1 id, $2 token, $3 ready_at, $4 now, $5 channel, $6 signals seen, $7 waiting_for,
     * $8 waiting_kind. A signal past what the run saw makes it ready now. Recognises its own
     * earlier try (no lease, let go by this one).
     */
    waitRelease: statement(
      'wait_release',
      `WITH released AS (
        UPDATE ${workflows}
        SET lease_token = NULL, last_lease = lease_token, updated_at = $4,
            ready_at = CASE WHEN signal_count > $6 THEN $4::bigint ELSE $3::bigint END,
            waiting_for = CASE WHEN signal_count > $6 THEN NULL ELSE $7 END,
            waiting_kind = CASE WHEN signal_count > $6 THEN NULL ELSE $8 END
        WHERE id = $1 AND ${leaseIs('$2')}
        RETURNING 1
      )
      SELECT CASE
        WHEN EXISTS (SELECT 1 FROM released) THEN true
        ELSE EXISTS (SELECT 1 FROM ${workflows} WHERE id = $1 AND lease_token IS NULL
          AND last_lease = $2 AND status = 'running')
        END AS held, pg_notify($5, '') AS notified`,
    ),
  };
}

export type SignalStatements = ReturnType<typeof signalStatements>;

export async function sendSignal(
  query: Queryable,
  sql: SignalStatements,
  channel: string,
  signal: {
    workflowId: string;
    name: string;
    payload: string;
    signalId: string;
    now: number;
  },
): Promise<SignalDelivery> {
  const { rows } = await query<{ delivery: SignalDelivery }>(sql.send, [
    signal.workflowId,
    signal.name,
    signal.payload,
    signal.signalId,
    signal.now,
    channel,
  ]);
  return rows[0].delivery;
}

export async function releaseToWait(
  query: Queryable,
  sql: SignalStatements,
  channel: string,
  args: {
    workflowId: string;
    leaseToken: string;
    readyAt?: number;
    now: number;
    wait: WaitRelease;
  },
): Promise<boolean> {
  const { rows } = await query<{ held: boolean }>(sql.waitRelease, [
    args.workflowId,
    args.leaseToken,
    args.readyAt ?? null,
    args.now,
    channel,
    args.wait.signalsSeen,
    JSON.stringify(args.wait.for),
    args.wait.for.kind,
  ]);
  return rows[0].held;
}
