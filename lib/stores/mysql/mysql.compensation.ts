import {
  CANCELLABLE_STATUSES,
  type CompensationStatusChange,
} from '../persistence';
import type { MysqlQuery } from './mysql.connection';
import { keyOf, mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { optionalText } from './mysql.rows';
import { NOT_WAITING } from './mysql.signals';

const list = (statuses: readonly string[]): string =>
  statuses.map((status) => `'${status}'`).join(', ');
const CANCELLABLE = list(CANCELLABLE_STATUSES);
const RUNNABLE = list(CANCELLABLE_STATUSES.filter((s) => s !== 'compensating'));

/** Wide enough for every record kind (`compensation-attempt` has 20 characters). */
export const STEP_KIND_WIDTH = 32;

/**
 * Compensation in the MySQL store (migration 7): the records' `kind` widened where a table of an
 * earlier version has it narrower (a procedure created, called and dropped, as `addMissing`
 * does), and the two procedures below.
 */
export function compensationMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  const widen = n.procedure('widen_step_kind');
  return [
    `DROP PROCEDURE IF EXISTS ${widen}`,
    `CREATE PROCEDURE ${widen}() BEGIN
      IF EXISTS (SELECT 1 FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${prefix}steps'
          AND COLUMN_NAME = 'kind' AND CHARACTER_MAXIMUM_LENGTH < ${STEP_KIND_WIDTH}) THEN
        ALTER TABLE ${n.steps} MODIFY kind VARCHAR(${STEP_KIND_WIDTH}) NOT NULL;
      END IF;
    END`,
    `CALL ${widen}()`,
    `DROP PROCEDURE IF EXISTS ${widen}`,
    ...compensationProcedures(prefix).flatMap(({ name, body }) => [
      `DROP PROCEDURE IF EXISTS ${name}`,
      `CREATE PROCEDURE ${name} ${body}`,
    ]),
  ];
}

function compensationProcedures(
  prefix: string,
): { name: string; body: string }[] {
  const n = mysqlNames(prefix);
  const w = n.workflows;
  const { opening, fence, declarations } = procedureParts(prefix);
  return [
    {
      // The whole cancel that compensates, on the locked row: one already compensating is left
      // as it is; one that can still run and holds a `compensable` record becomes
      // `compensating` (no lease, ready since its creation, its `compensating` record of id
      // `cancelled` added); any other that has not ended is cancelled plainly. Answers the
      // status after (NULL: no such workflow).
      name: n.procedure('cancel_compensate'),
      body: `(IN p_id MEDIUMTEXT, IN p_now BIGINT, IN p_reason LONGTEXT)
      BEGIN
        DECLARE v_key BINARY(32);
        DECLARE v_status VARCHAR(16) DEFAULT NULL;
        DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_status = NULL;
        ${opening}
        SET v_key = ${keyOf('p_id')};
        SELECT status INTO v_status FROM ${w} WHERE id_key = v_key FOR UPDATE;
        IF v_status IN (${RUNNABLE}) AND EXISTS (SELECT 1 FROM ${n.steps}
            WHERE workflow_key = v_key AND kind = 'compensable') THEN
          UPDATE ${w}
          SET status = 'compensating', lease_token = NULL, ready_at = created_at,
              updated_at = p_now, ${NOT_WAITING}
          WHERE id_key = v_key;
          INSERT INTO ${n.steps} (workflow_key, kind, step_key, step_id, recorded_at)
          VALUES (v_key, 'compensating', ${keyOf("'cancelled'")}, 'cancelled', p_now)
          ON DUPLICATE KEY UPDATE workflow_key = workflow_key;
          SET v_status = 'compensating';
        ELSEIF v_status IN (${CANCELLABLE}) AND v_status <> 'compensating' THEN
          UPDATE ${w}
          SET status = 'cancelled', lease_token = NULL, ready_at = NULL, updated_at = p_now,
              ended_at = p_now, error = COALESCE(p_reason, error), ${NOT_WAITING}
          WHERE id_key = v_key;
          SET v_status = 'cancelled';
        END IF;
        COMMIT;
        SELECT v_status AS status;
      END`,
    },
    {
      // A compensating run's change of status, fenced by its lease: `compensating` keeps the
      // lease and ready time; an end lets them go (the lease kept as the last one, so a repeat
      // whose answer was lost is recognised as its own applied try).
      name: n.procedure('compensation_status'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_status VARCHAR(16),
        IN p_error LONGTEXT, IN p_now BIGINT)
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w}
          SET status = p_status, error = COALESCE(p_error, error), updated_at = p_now,
              ready_at = IF(p_status = 'compensating', ready_at, NULL),
              ended_at = IF(p_status = 'compensating', ended_at, p_now),
              last_lease = IF(p_status = 'compensating', last_lease, v_token),
              lease_token = IF(p_status = 'compensating', v_token, NULL)
          WHERE id_key = v_key;
          SET v_held = TRUE;
        ELSEIF p_status <> 'compensating' THEN
          SET v_held = EXISTS (SELECT 1 FROM ${w} WHERE id_key = v_key AND lease_token IS NULL
            AND last_lease = p_token AND status = p_status);
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
    },
  ];
}

/** The store's side of compensation: each write one `CALL` (retried by the source's query). */
export class MysqlCompensation {
  private readonly names: ReturnType<typeof mysqlNames>;

  constructor(
    private readonly query: MysqlQuery,
    prefix: string,
  ) {
    this.names = mysqlNames(prefix);
  }

  /** `cancelWorkflow` with `compensate`, answered as the contract says. */
  async cancel(
    workflowId: string,
    now: number,
    reason: string | null,
  ): Promise<boolean | undefined> {
    const { sets } = await this.query(
      `CALL ${this.names.procedure('cancel_compensate')}(?, ?, ?)`,
      [workflowId, now, reason],
    );
    const status = optionalText(sets[0]?.[0]?.status);
    if (status === undefined) return undefined;
    return status === 'compensating' || status === 'cancelled';
  }

  async record(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    const { sets } = await this.query(
      `CALL ${this.names.procedure('compensation_status')}(?, ?, ?, ?, ?)`,
      [
        workflowId,
        leaseToken,
        change.status,
        change.error ? JSON.stringify(change.error) : null,
        change.now,
      ],
    );
    return Number(sets[0]?.[0]?.held) === 1;
  }
}
