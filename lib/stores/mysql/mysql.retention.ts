import { TERMINAL_STATUSES, type WorkflowPurge } from '../persistence';
import type { MysqlQuery } from './mysql.connection';
import { keyOf, mysqlNames } from './mysql.names';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 3 of the MySQL store: the purge's procedure: one bounded batch, oldest first, through
 * the index of ended workflows by status and end time (migration 12, mysql.ended.ts, replaced
 * migration 3's index on `updated_at`), skipping rows another transaction holds, each workflow
 * deleted with its steps and signals in the procedure's one transaction.
 */
export function retentionMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  return [
    `DROP PROCEDURE IF EXISTS ${n.procedure('purge')}`,
    `CREATE PROCEDURE ${n.procedure('purge')}
      (IN p_status VARCHAR(16), IN p_before BIGINT, IN p_limit INT)
    BEGIN
      DECLARE v_key BINARY(32);
      DECLARE v_count INT DEFAULT 0;
      DECLARE v_done BOOLEAN DEFAULT FALSE;
      DECLARE doomed CURSOR FOR
        SELECT id_key FROM ${n.workflows}
        WHERE status = p_status AND ended_at < p_before AND ready_at IS NULL
          AND status IN (${ENDED})
        ORDER BY ended_at LIMIT p_limit
        FOR UPDATE SKIP LOCKED;
      DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;
      DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
      SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
      START TRANSACTION;
      OPEN doomed;
      purging: LOOP
        FETCH doomed INTO v_key;
        IF v_done THEN LEAVE purging; END IF;
        DELETE FROM ${n.steps} WHERE workflow_key = v_key;
        DELETE FROM ${n.signals} WHERE workflow_key = v_key;
        DELETE FROM ${n.workflows} WHERE id_key = v_key;
        SET v_count = v_count + 1;
      END LOOP;
      CLOSE doomed;
      COMMIT;
      SELECT v_count AS n;
    END`,
  ];
}

/** Retention in the MySQL store: a delete is one statement (the workflow and its steps). */
export class MysqlRetention {
  private readonly names: ReturnType<typeof mysqlNames>;

  constructor(
    private readonly query: MysqlQuery,
    prefix: string,
  ) {
    this.names = mysqlNames(prefix);
  }

  async delete(workflowId: string): Promise<boolean | undefined> {
    const { affectedRows } = await this.query(
      `DELETE w, s, g FROM ${this.names.workflows} w
       LEFT JOIN ${this.names.steps} s ON s.workflow_key = w.id_key
       LEFT JOIN ${this.names.signals} g ON g.workflow_key = w.id_key
       WHERE w.id_key = ${keyOf('?')} AND w.status IN (${ENDED})`,
      [workflowId],
    );
    if (affectedRows > 0) return true;
    const { sets } = await this.query(
      `SELECT 1 AS found FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    return (sets[0] ?? []).length > 0 ? false : undefined;
  }

  async purge(purge: WorkflowPurge): Promise<number> {
    const { sets } = await this.query(
      `CALL ${this.names.procedure('purge')}(?, ?, ?)`,
      [purge.status, purge.endedBefore, purge.limit],
    );
    return Number(sets[0]?.[0]?.n ?? 0);
  }
}
