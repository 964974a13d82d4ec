import {
  type NewSignal,
  type SignalDelivery,
  type StoredSignal,
  TERMINAL_STATUSES,
  type WaitRelease,
  type WaitTarget,
} from '../persistence';
import { addMissing } from './mysql.columns';
import type { MysqlQuery, Row } from './mysql.connection';
import { keyOf, mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { text } from './mysql.rows';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Signals in the MySQL store (migration 4): a `signals` table (each workflow's, numbered by
 * `seq`, a repeated signal id refused by its key's SHA-256), and on the workflow how many it has
 * had (`signal_count`: the next `seq`, and what a wait release compares with) and what a waiting
 * one waits for (`waiting_for`, JSON; `waiting_kind` to filter on). Sending and the wait release
 * are one `CALL` each, both locking the workflow's row first: a signal and the release of its
 * wait, or a signal and a claim, take turns on it, so none is missed.
 */
export function signalsMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  return [
    `CREATE TABLE IF NOT EXISTS ${n.signals} (
      workflow_key BINARY(32) NOT NULL,
      seq INT NOT NULL,
      name MEDIUMTEXT NOT NULL,
      payload LONGTEXT NOT NULL,
      signal_key BINARY(32) NOT NULL,
      signal_id MEDIUMTEXT NOT NULL,
      sent_at BIGINT NOT NULL,
      PRIMARY KEY (workflow_key, seq),
      UNIQUE KEY signals_once (workflow_key, signal_key)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ...addMissing(
      prefix,
      'add_signal_columns',
      'workflows',
      [
        ['signal_count', 'INT NOT NULL DEFAULT 0'],
        ['waiting_for', 'LONGTEXT NULL'],
        ['waiting_kind', 'VARCHAR(16) NULL'],
      ],
      [['workflows_waiting', '(waiting_kind, created_at, id(191))']],
    ),
    ...signalProcedures(prefix).flatMap(({ name, body }) => [
      `DROP PROCEDURE IF EXISTS ${name}`,
      `CREATE PROCEDURE ${name} ${body}`,
    ]),
  ];
}

/** The SELECT of a workflow's signals (by its key), in `seq` order, as `toStoredSignals` reads. */
export const signalsSelect = (table: string, key: string): string =>
  `SELECT seq, name, payload, signal_id, sent_at FROM ${table}
          WHERE workflow_key = ${key} ORDER BY seq`;

function signalProcedures(prefix: string): { name: string; body: string }[] {
  const n = mysqlNames(prefix);
  const w = n.workflows;
  const { opening, fence, declarations } = procedureParts(prefix);
  return [
    {
      // Answers one row, its delivery. The row locked first; an unleased workflow that waits
      // is made ready now and no longer waits; a leased one keeps its lease's expiry, one that
      // does not wait its own ready time.
      name: n.procedure('send_signal'),
      body: `(IN p_id MEDIUMTEXT, IN p_name MEDIUMTEXT, IN p_payload LONGTEXT,
        IN p_signal MEDIUMTEXT, IN p_now BIGINT)
      BEGIN
        DECLARE v_key BINARY(32);
        DECLARE v_status VARCHAR(16) DEFAULT NULL;
        DECLARE v_seq INT DEFAULT 0;
        DECLARE v_delivery VARCHAR(16) DEFAULT 'delivered';
        DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_status = NULL;
        ${opening}
        SET v_key = ${keyOf('p_id')};
        SELECT status, signal_count + 1 INTO v_status, v_seq FROM ${w}
        WHERE id_key = v_key FOR UPDATE;
        IF v_status IS NULL THEN
          SET v_delivery = 'not-found';
        ELSEIF EXISTS (SELECT 1 FROM ${n.signals}
            WHERE workflow_key = v_key AND signal_key = ${keyOf('p_signal')}) THEN
          SET v_delivery = 'duplicate';
        ELSEIF v_status IN (${ENDED}) THEN
          SET v_delivery = 'ended';
        ELSE
          UPDATE ${w}
          SET signal_count = v_seq, updated_at = p_now,
              ready_at = IF(lease_token IS NULL AND waiting_kind IS NOT NULL, p_now, ready_at),
              waiting_for = IF(lease_token IS NULL, NULL, waiting_for),
              waiting_kind = IF(lease_token IS NULL, NULL, waiting_kind)
          WHERE id_key = v_key;
          INSERT INTO ${n.signals}
            (workflow_key, seq, name, payload, signal_key, signal_id, sent_at)
          VALUES (v_key, v_seq, p_name, p_payload, ${keyOf('p_signal')}, p_signal, p_now);
        END IF;
        COMMIT;
        SELECT v_delivery AS delivery;
      END`,
    },
    {
      // A release that waits: a signal past what the run saw makes it ready now, not waiting.
      // Recognises its own earlier try (no lease, let go by this one, still running).
      name: n.procedure('wait_release'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_ready BIGINT, IN p_now BIGINT,
        IN p_seen INT, IN p_for LONGTEXT, IN p_kind VARCHAR(16))
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w}
          SET ready_at = IF(signal_count > p_seen, p_now, p_ready),
              waiting_for = IF(signal_count > p_seen, NULL, p_for),
              waiting_kind = IF(signal_count > p_seen, NULL, p_kind),
              updated_at = p_now, last_lease = v_token, lease_token = NULL
          WHERE id_key = v_key;
          SET v_held = TRUE;
        ELSE
          SET v_held = EXISTS (SELECT 1 FROM ${w} WHERE id_key = v_key AND lease_token IS NULL
            AND last_lease = p_token AND status = 'running');
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
    },
  ];
}

/** Sends a signal: one `CALL`, answering what became of it. */
export async function sendSignal(
  query: MysqlQuery,
  prefix: string,
  signal: NewSignal,
): Promise<SignalDelivery> {
  const { sets } = await query(
    `CALL ${mysqlNames(prefix).procedure('send_signal')}(?, ?, ?, ?, ?)`,
    [
      signal.workflowId,
      signal.name,
      signal.payload,
      signal.signalId,
      signal.now,
    ],
  );
  return text(sets[0][0].delivery) as SignalDelivery;
}

/** Lets the lease go to wait (`LeaseRelease.wait`): one `CALL`, answering whether it held. */
export async function releaseToWait(
  query: MysqlQuery,
  prefix: string,
  args: {
    workflowId: string;
    leaseToken: string;
    readyAt?: number;
    now: number;
    wait: WaitRelease;
  },
): Promise<boolean> {
  const { sets } = await query(
    `CALL ${mysqlNames(prefix).procedure('wait_release')}(?, ?, ?, ?, ?, ?, ?)`,
    [
      args.workflowId,
      args.leaseToken,
      args.readyAt ?? null,
      args.now,
      args.wait.signalsSeen,
      JSON.stringify(args.wait.for),
      args.wait.for.kind,
    ],
  );
  return Number(sets[0]?.[0]?.held) === 1;
}

/** A workflow's signals, in `seq` order (a read of its own, for `getWorkflow`). */
export async function signalsOf(
  query: MysqlQuery,
  prefix: string,
  workflowId: string,
): Promise<StoredSignal[]> {
  const { sets } = await query(
    signalsSelect(mysqlNames(prefix).signals, keyOf('?')),
    [workflowId],
  );
  return toStoredSignals(sets[0]);
}

export const toStoredSignals = (rows: Row[] | undefined): StoredSignal[] =>
  (rows ?? []).map((row) => ({
    seq: Number(row.seq),
    name: text(row.name),
    payload: text(row.payload),
    signalId: text(row.signal_id),
    sentAt: Number(row.sent_at),
  }));

/** `{ waitingFor }` read from the row's column, or nothing. */
export const waitingField = (row: Row): { waitingFor?: WaitTarget } =>
  row.waiting_for === null || row.waiting_for === undefined
    ? {}
    : { waitingFor: JSON.parse(text(row.waiting_for)) as WaitTarget };

/** What a cancel sets besides its status: the workflow no longer waits. */
export const NOT_WAITING = 'waiting_for = NULL, waiting_kind = NULL';
