import { type MysqlQuery, wholeMs } from './mysql.connection';
import { WriteBatcher } from '../write-batcher';
import { inKeyOrder, MYSQL_BATCHES } from './mysql.batch';
import { keyOf, mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { optionalText } from './mysql.rows';

/**
 * One workflow to insert: the values of the store's single INSERT, in its column order (the id
 * twice: for its key, then as itself).
 */
export interface BatchedInsert {
  id: string;
  values: unknown[];
}

/** The workflows table's columns an insert writes, after `id_key`, in the values' order. */
const COLUMNS: [string, string][] = [
  ['id', 'LONGTEXT'],
  ['name', 'LONGTEXT'],
  ['status', 'LONGTEXT'],
  ['input', 'LONGTEXT'],
  ['attempts', 'INT'],
  ['ready_at', 'BIGINT'],
  ['lease_token', 'LONGTEXT'],
  ['created_at', 'BIGINT'],
  ['updated_at', 'BIGINT'],
  ['version', 'INT'],
  ['deadline_at', 'BIGINT'],
  ['parent', 'LONGTEXT'],
  ['trace_context', 'LONGTEXT'],
  ['priority', 'INT'],
  ['concurrency_key', 'LONGTEXT'],
  ['first_claimed_at', 'BIGINT'],
];

/**
 * `insert_many`: the store's INSERT for many workflows in one transaction, two statements. A
 * workflow whose id is taken is left as it is and answers `0`, as the single INSERT answers
 * `false`. An id taken between the two (another process's insert) fails the call with
 * ER_DUP_ENTRY, as does any other error, and rolls it back whole: the batcher then sends each
 * alone. The rows come as a JSON array of the single INSERT's values; the answer is one row, a
 * `0`/`1` per workflow in the order sent.
 */
export function batchInsertProcedure(prefix: string): {
  name: string;
  body: string;
} {
  const n = mysqlNames(prefix);
  const { opening } = procedureParts(prefix);
  const paths = COLUMNS.map(
    ([column, type], i) => `${column} ${type} PATH '$[${i + 1}]'`,
  ).join(',\n          ');
  const columns = COLUMNS.map(([column]) => column).join(', ');
  const idKey = keyOf('CONVERT(g.id USING utf8mb4)');
  return {
    name: n.procedure('insert_many'),
    body: `(IN p_rows LONGTEXT)
    BEGIN
      DECLARE v_answers LONGTEXT DEFAULT '';
      ${opening}
      SELECT GROUP_CONCAT(IF(w.id_key IS NULL, '1', '0') ORDER BY g.ord SEPARATOR '')
      INTO v_answers
      FROM JSON_TABLE(p_rows, '$[*]' COLUMNS (
        ord FOR ORDINALITY, id LONGTEXT PATH '$[1]')) AS g
      LEFT JOIN ${n.workflows} w ON w.id_key = ${idKey};
      INSERT INTO ${n.workflows} (id_key, ${columns})
      SELECT ${idKey}, ${COLUMNS.map(([column]) => `g.${column}`).join(', ')}
      FROM JSON_TABLE(p_rows, '$[*]' COLUMNS (
          ord FOR ORDINALITY,
          ${paths})) AS g
      WHERE SUBSTRING(v_answers, g.ord, 1) = '1';
      COMMIT;
      SELECT v_answers AS held;
    END`,
  };
}

/** Inserts of one turn in one `CALL insert_many`, an insert alone as the single INSERT. */
export function batchedInserts(
  query: MysqlQuery,
  prefix: string,
  one: (insert: BatchedInsert) => Promise<boolean>,
): WriteBatcher<BatchedInsert, boolean> {
  const name = mysqlNames(prefix).procedure('insert_many');
  return new WriteBatcher<BatchedInsert, boolean>(
    {
      key: (insert) => insert.id,
      size: (insert) =>
        insert.values.reduce<number>(
          (sum, value) => sum + (typeof value === 'string' ? value.length : 8),
          0,
        ),
      one,
      async many(inserts) {
        return inKeyOrder(inserts, async (ordered) => {
          const rows = JSON.stringify(
            ordered.map((insert) => insert.values.map(wholeMs)),
          );
          const { sets } = await query(`CALL ${name}(?)`, [rows]);
          return optionalText(sets[0]?.[0]?.held) ?? '';
        });
      },
    },
    MYSQL_BATCHES,
  );
}
