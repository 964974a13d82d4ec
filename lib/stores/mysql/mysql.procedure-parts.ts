import { keyOf, mysqlNames } from './mysql.names';

/**
 * The pieces every fenced procedure begins with: its declarations, the opening of its own
 * `READ COMMITTED` transaction (rolled back, and the error raised again, on any failure), and
 * the fence (the workflow's row locked, its lease token read into `v_token`).
 */
export function procedureParts(prefix: string) {
  const w = mysqlNames(prefix).workflows;
  const opening = `
    DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
    START TRANSACTION;`;
  /** Locks the workflow's row and reads its lease token into v_token (NULL: none or no row). */
  const fence = `
    SET v_key = ${keyOf('p_id')};
    SELECT lease_token INTO v_token FROM ${w} WHERE id_key = v_key FOR UPDATE;`;
  const declarations = `
    DECLARE v_key BINARY(32);
    DECLARE v_token VARCHAR(64) DEFAULT NULL;
    DECLARE v_held BOOLEAN DEFAULT FALSE;
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_token = NULL;`;
  return { opening, fence, declarations };
}
