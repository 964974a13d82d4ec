import { type MysqlQuery, wholeMs } from './mysql.connection';
import { WriteBatcher } from '../write-batcher';
import { inKeyOrder, MYSQL_BATCHES } from './mysql.batch';
import { keyOf, mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { optionalText } from './mysql.rows';

/** A step write (the `step` procedure's parameters after the workflow's id and token). */
export interface BatchedStep {
  op: 'step';
  id: string;
  token: string;
  ready: number | null;
  now: number;
  release: boolean;
  kind: string;
  step: string;
  result: string | null;
  wake: number | null;
  started: number | null;
  recorded: number;
}

/** A finish write (the `finish` procedure's). */
export interface BatchedFinish {
  op: 'finish';
  id: string;
  token: string;
  result: string;
  now: number;
  /** The run's last step, recorded with the finish (both or neither), or none. */
  last: LastStep | null;
}

/** A step recorded with a finish: the columns a finish's step has (no wake, no lease move). */
export interface LastStep {
  kind: string;
  step: string;
  result: string | null;
  started: number | null;
  recorded: number;
}

export type BatchedWrite = BatchedStep | BatchedFinish;

/**
 * `write_many`: the `step` and `finish` procedures' work for many workflows in one transaction
 * and a few set-wise statements (a procedure's statements each cost the server about as much as
 * a small query, so a loop per write would cost more than it saves). Each write is fenced as
 * alone: the rows are locked and their tokens compared first (`2`: held, to write; `1`: not
 * held, but its own earlier try was applied; `0`: lost), then the held ones are written. The
 * writes come as a JSON array of arrays (mysql.batch.ts sends them ordered by key, so two
 * batches lock rows in the same order); the answer is one row, a digit per write in that order.
 * A finish's row may carry the run's last step, recorded with it: its kind, id, start and record
 * times where a step's row has them ($[6], $[7], $[10], $[11]; none: a NULL kind), its result in
 * $[12] ($[8] is the finish's). A row as schema version 14 sent it reads the same.
 */
export function batchWriteProcedure(prefix: string): {
  name: string;
  body: string;
} {
  const n = mysqlNames(prefix);
  const w = n.workflows;
  const { opening } = procedureParts(prefix);
  const given = `JSON_TABLE(p_writes, '$[*]' COLUMNS (
          ord FOR ORDINALITY,
          op VARCHAR(8) PATH '$[0]',
          id LONGTEXT PATH '$[1]',
          token LONGTEXT PATH '$[2]',
          ready BIGINT PATH '$[3]',
          now_ms BIGINT PATH '$[4]',
          is_release INT PATH '$[5]',
          kind LONGTEXT PATH '$[6]',
          step LONGTEXT PATH '$[7]',
          result LONGTEXT PATH '$[8]',
          wake BIGINT PATH '$[9]',
          started BIGINT PATH '$[10]',
          recorded BIGINT PATH '$[11]',
          last_result LONGTEXT PATH '$[12]')) AS g`;
  const bin = (column: string) =>
    `CONVERT(${column} USING utf8mb4) COLLATE utf8mb4_bin`;
  const idKey = keyOf(`CONVERT(g.id USING utf8mb4)`);
  const stepKey = keyOf(`CONVERT(g.step USING utf8mb4)`);
  const held = `SUBSTRING(v_answers, g.ord, 1) = '2'`;
  return {
    name: n.procedure('write_many'),
    body: `(IN p_writes LONGTEXT)
    BEGIN
      DECLARE v_answers LONGTEXT DEFAULT '';
      ${opening}
      SELECT GROUP_CONCAT(
          IF(w.lease_token = ${bin('g.token')}, '2',
            IF(g.op = 'step',
              IF(g.is_release = 1 AND w.lease_token IS NULL
                AND w.last_lease = ${bin('g.token')} AND w.status = 'running'
                AND EXISTS (SELECT 1 FROM ${n.steps} st WHERE st.workflow_key = w.id_key
                  AND st.kind = ${bin('g.kind')} AND st.step_key = ${stepKey}), '1', '0'),
              IF(w.status = 'finished' AND w.lease_token IS NULL
                AND w.last_lease = ${bin('g.token')}, '1', '0')))
          ORDER BY g.ord SEPARATOR '')
      INTO v_answers
      FROM ${given} LEFT JOIN ${w} w ON w.id_key = ${idKey}
      FOR UPDATE;
      INSERT INTO ${n.steps}
        (workflow_key, kind, step_key, step_id, result, wake_at, started_at, recorded_at)
      SELECT ${idKey}, g.kind, ${stepKey}, g.step, IF(g.op = 'step', g.result, g.last_result),
        g.wake, g.started, g.recorded
      FROM ${given}
      WHERE g.kind IS NOT NULL AND ${held}
      ON DUPLICATE KEY UPDATE workflow_key = workflow_key;
      UPDATE ${w} w JOIN ${given} ON w.id_key = ${idKey}
      SET w.ready_at = IF(g.op = 'step', IFNULL(g.ready, w.ready_at), NULL),
          w.updated_at = g.now_ms,
          w.ended_at = IF(g.op = 'finish', g.now_ms, w.ended_at),
          w.status = IF(g.op = 'finish', 'finished', w.status),
          w.result = IF(g.op = 'finish', g.result, w.result),
          w.last_lease = IF(g.op = 'finish' OR g.is_release = 1, g.token, w.last_lease),
          w.lease_token = IF(g.op = 'finish' OR g.is_release = 1, NULL, g.token)
      WHERE ${held};
      COMMIT;
      SELECT v_answers AS held;
    END`,
  };
}

const asRow = (write: BatchedWrite): unknown[] =>
  write.op === 'step'
    ? [
        'step',
        write.id,
        write.token,
        wholeMs(write.ready),
        wholeMs(write.now),
        write.release ? 1 : 0,
        write.kind,
        write.step,
        write.result,
        wholeMs(write.wake),
        wholeMs(write.started),
        wholeMs(write.recorded),
      ]
    : [
        'finish',
        write.id,
        write.token,
        null,
        wholeMs(write.now),
        0,
        write.last?.kind ?? null,
        write.last?.step ?? null,
        write.result,
        null,
        wholeMs(write.last?.started ?? null),
        wholeMs(write.last?.recorded ?? null),
        write.last?.result ?? null,
      ];

/**
 * The store's step and finish writes through one batcher: those of one turn in one `CALL
 * write_many`, a write alone through its own procedure (`one`).
 */
export function batchedWrites(
  query: MysqlQuery,
  prefix: string,
  one: (write: BatchedWrite) => Promise<boolean>,
): WriteBatcher<BatchedWrite, boolean> {
  const name = mysqlNames(prefix).procedure('write_many');
  return new WriteBatcher<BatchedWrite, boolean>(
    {
      key: (write) => write.id,
      size: (write) =>
        write.id.length +
        (write.result?.length ?? 0) +
        (write.op === 'step'
          ? write.step.length
          : (write.last?.step.length ?? 0) + (write.last?.result?.length ?? 0)),
      one,
      async many(writes) {
        return inKeyOrder(writes, async (ordered) => {
          const rows = JSON.stringify(ordered.map(asRow));
          const { sets } = await query(`CALL ${name}(?)`, [rows]);
          return optionalText(sets[0]?.[0]?.held) ?? '';
        });
      },
    },
    MYSQL_BATCHES,
  );
}
