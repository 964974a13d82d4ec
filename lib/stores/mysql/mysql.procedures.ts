import { keyOf, mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { signalsSelect } from './mysql.signals';

/**
 * The store's writes that belong to a run, as stored procedures: each is one statement from the
 * client (one `CALL`, one round trip) and one short transaction in the server, fenced by the
 * lease token (the workflow's row locked, its token compared, then written). A procedure that
 * fails rolls its transaction back before the error reaches the client, so a deadlock or lock
 * wait timeout can be retried whole. READ COMMITTED: no gap locks on the ranges a claim scans.
 */
export function mysqlProcedures(
  prefix: string,
): { name: string; body: string }[] {
  const n = mysqlNames(prefix);
  const w = n.workflows;
  const { opening, fence, declarations } = procedureParts(prefix);
  return [
    {
      // The oldest ready first, skipping rows another claim holds and workflows of a newer
      // version than the worker runs (p_versions: [[name, version], ...], matched as data); each
      // under the lease of its rank (p_leases: [[token, until], ...]). Answers, per workflow,
      // three result sets: its row, its steps and its signals (mysql.signals.ts).
      name: n.procedure('claim'),
      body: `(IN p_now BIGINT, IN p_leases LONGTEXT, IN p_limit INT, IN p_versions LONGTEXT)
      BEGIN
        DECLARE v_key BINARY(32);
        DECLARE v_rank INT DEFAULT 0;
        DECLARE v_done BOOLEAN DEFAULT FALSE;
        DECLARE ready CURSOR FOR
          SELECT id_key FROM ${w}
          WHERE ready_at <= p_now AND NOT EXISTS (
            SELECT 1 FROM JSON_TABLE(p_versions, '$[*]' COLUMNS (
              run_name VARCHAR(255) PATH '$[0]', run_version INT PATH '$[1]')) AS runs
            WHERE CONVERT(runs.run_name USING utf8mb4) COLLATE utf8mb4_bin = name
              AND runs.run_version < version)
          ORDER BY ready_at LIMIT p_limit
          FOR UPDATE SKIP LOCKED;
        DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;
        ${opening}
        OPEN ready;
        claiming: LOOP
          FETCH ready INTO v_key;
          IF v_done THEN LEAVE claiming; END IF;
          UPDATE ${w}
          SET status = CASE status WHEN 'compensating' THEN status ELSE 'running' END,
              attempts = attempts + 1, updated_at = p_now,
              lease_token = JSON_UNQUOTE(JSON_EXTRACT(p_leases, CONCAT('$[', v_rank, '][0]'))),
              ready_at = JSON_EXTRACT(p_leases, CONCAT('$[', v_rank, '][1]')),
              waiting_for = NULL, waiting_kind = NULL
          WHERE id_key = v_key;
          SELECT id, name, input, version, deadline_at, parent, trace_context,
            lease_token AS token FROM ${w}
          WHERE id_key = v_key;
          SELECT kind, step_id, result, wake_at, started_at, recorded_at FROM ${n.steps}
          WHERE workflow_key = v_key ORDER BY seq;
          ${signalsSelect(n.signals, 'v_key')};
          SET v_rank = v_rank + 1;
        END LOOP;
        CLOSE ready;
        COMMIT;
      END`,
    },
    {
      name: n.procedure('renew'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_until BIGINT)
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w} SET ready_at = p_until WHERE id_key = v_key;
          SET v_held = TRUE;
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
    },
    {
      // The step is kept once (a repeat keeps the first). Not held when the lease is lost,
      // except for a release whose earlier try was applied (its answer lost): the workflow then
      // holds no lease, was let go by this one, and has this very step.
      name: n.procedure('step'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_ready BIGINT, IN p_now BIGINT,
        IN p_release BOOLEAN, IN p_kind VARCHAR(32), IN p_step MEDIUMTEXT, IN p_result LONGTEXT,
        IN p_wake BIGINT, IN p_started BIGINT, IN p_recorded BIGINT)
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w}
          SET ready_at = IFNULL(p_ready, ready_at), updated_at = p_now,
              last_lease = IF(p_release, v_token, last_lease),
              lease_token = IF(p_release, NULL, v_token)
          WHERE id_key = v_key;
          INSERT INTO ${n.steps}
            (workflow_key, kind, step_key, step_id, result, wake_at, started_at, recorded_at)
          VALUES (v_key, p_kind, ${keyOf('p_step')}, p_step, p_result, p_wake, p_started,
            p_recorded)
          ON DUPLICATE KEY UPDATE workflow_key = workflow_key;
          SET v_held = TRUE;
        ELSEIF p_release THEN
          SET v_held = EXISTS (
            SELECT 1 FROM ${w} wf JOIN ${n.steps} st ON st.workflow_key = wf.id_key
            WHERE wf.id_key = v_key AND wf.lease_token IS NULL AND wf.last_lease = p_token
              AND wf.status = 'running' AND st.kind = p_kind AND st.step_key = ${keyOf('p_step')});
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
    },
    {
      name: n.procedure('release'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_ready BIGINT, IN p_now BIGINT)
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w}
          SET ready_at = p_ready, updated_at = p_now, last_lease = v_token, lease_token = NULL
          WHERE id_key = v_key;
          SET v_held = TRUE;
        ELSE
          SET v_held = EXISTS (SELECT 1 FROM ${w} WHERE id_key = v_key AND lease_token IS NULL
            AND last_lease = p_token AND status = 'running' AND ready_at <=> p_ready);
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
    },
    finishProcedure(prefix, false),
    // The same with the run's last step, recorded as `step` records one, in the same transaction:
    // both or neither. Its own procedure, so that `finish` keeps the parameters an instance of an
    // earlier version calls it with (schema 15).
    finishProcedure(prefix, true),
    {
      // Answers the status and count after, or no row when the lease was lost (its own earlier
      // try recognised: no lease, let go by this one).
      name: n.procedure('fail'),
      body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_error LONGTEXT, IN p_retry BIGINT,
        IN p_max INT, IN p_abort BOOLEAN, IN p_now BIGINT)
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${w}
          SET failures = failures + 1,
              status = IF(p_abort OR failures >= p_max, 'aborted', 'failed'),
              ready_at = IF(status = 'aborted', NULL, p_retry),
              ended_at = IF(status = 'aborted', p_now, NULL),
              error = p_error, last_lease = v_token, lease_token = NULL, updated_at = p_now
          WHERE id_key = v_key;
          COMMIT;
          SELECT status, failures FROM ${w} WHERE id_key = v_key;
        ELSE
          COMMIT;
          SELECT status, failures FROM ${w} WHERE id_key = v_key AND lease_token IS NULL
            AND last_lease = p_token AND status IN ('failed', 'aborted');
        END IF;
      END`,
    },
  ];
}

/**
 * `finish`, or `finish_step` (`withStep`): the latter also inserts the run's last step when the
 * lease holds (the first recorded of a key is kept). A repeat finds the workflow finished by this
 * lease, and so its step, written in the same transaction, kept too.
 */
function finishProcedure(
  prefix: string,
  withStep: boolean,
): { name: string; body: string } {
  const n = mysqlNames(prefix);
  const { opening, fence, declarations } = procedureParts(prefix);
  const stepParameters = withStep
    ? `,
        IN p_kind VARCHAR(32), IN p_step MEDIUMTEXT, IN p_step_result LONGTEXT,
        IN p_started BIGINT, IN p_recorded BIGINT`
    : '';
  const insertStep = withStep
    ? `
          INSERT INTO ${n.steps}
            (workflow_key, kind, step_key, step_id, result, wake_at, started_at, recorded_at)
          VALUES (v_key, p_kind, ${keyOf('p_step')}, p_step, p_step_result, NULL, p_started,
            p_recorded)
          ON DUPLICATE KEY UPDATE workflow_key = workflow_key;`
    : '';
  return {
    name: n.procedure(withStep ? 'finish_step' : 'finish'),
    body: `(IN p_id MEDIUMTEXT, IN p_token VARCHAR(64), IN p_result LONGTEXT,
        IN p_now BIGINT${stepParameters})
      BEGIN ${declarations} ${opening} ${fence}
        IF v_token = p_token THEN
          UPDATE ${n.workflows}
          SET status = 'finished', result = p_result, last_lease = v_token, lease_token = NULL,
              ready_at = NULL, updated_at = p_now, ended_at = p_now
          WHERE id_key = v_key;${insertStep}
          SET v_held = TRUE;
        ELSE
          SET v_held = EXISTS (SELECT 1 FROM ${n.workflows} WHERE id_key = v_key
            AND status = 'finished' AND lease_token IS NULL AND last_lease = p_token);
        END IF;
        COMMIT;
        SELECT v_held AS held;
      END`,
  };
}
