import type { ClaimOptions } from '../persistence';
import { addMissing } from './mysql.columns';
import type { Row } from './mysql.connection';
import { mysqlNames } from './mysql.names';
import { procedureParts } from './mysql.procedure-parts';
import { text } from './mysql.rows';
import { signalsSelect } from './mysql.signals';

/*
 * Flow control in the MySQL store (migration 5). Priorities order every claim, through an index
 * on a stored column that is the priority of a workflow that can run and NULL once it cannot
 * (MySQL has no partial index), so finished workflows are never read. A claim with limits takes
 * the prefix's flow lock row (FOR UPDATE) first, in its own READ COMMITTED transaction, then
 * counts and claims: each of its statements reads after the lock was granted, so it sees every
 * lease the previous holder committed, and its own claims so far. Writes that let a lease go
 * take no lock: they only free slots.
 */
export function flowMigration(prefix: string): string[] {
  const n = mysqlNames(prefix);
  return [
    ...addMissing(
      prefix,
      'add_flow_columns',
      'workflows',
      [
        ['priority', 'INT NOT NULL DEFAULT 0'],
        ['concurrency_key', 'MEDIUMTEXT NULL'],
        ['first_claimed_at', 'BIGINT NULL'],
        [
          'ready_priority',
          'INT AS (IF(ready_at IS NULL, NULL, priority)) STORED',
        ],
      ],
      [
        ['workflows_priority_ready', '(ready_priority DESC, ready_at)'],
        ['workflows_leased', '(name, lease_token)'],
        ['workflows_leased_key', '(name, concurrency_key(191), lease_token)'],
        ['workflows_first_claims', '(name, first_claimed_at)'],
        [
          'workflows_key_first_claims',
          '(name, concurrency_key(191), first_claimed_at)',
        ],
      ],
    ),
    `CREATE TABLE IF NOT EXISTS ${n.flowLock} (
      one TINYINT NOT NULL PRIMARY KEY
    ) ENGINE=InnoDB`,
    `INSERT IGNORE INTO ${n.flowLock} (one) VALUES (1)`,
    `DROP PROCEDURE IF EXISTS ${n.procedure('claim_flow')}`,
    `CREATE PROCEDURE ${n.procedure('claim_flow')} ${claimFlowBody(prefix)}`,
  ];
}

/**
 * The claim: by priority (highest first) then oldest ready, or oldest alone (`p_oldest`),
 * skipping rows another claim holds and workflows of a newer version than the worker runs. With
 * limits (`p_limits`: `[[name, concurrency, perKey, rateMax, ratePerMs, keyRateMax,
 * keyRatePerMs], ...]`, names matched as data), it looks at up to `p_scan` ready workflows and skips those a limit refuses; a leased one
 * (a lapsed lease taken over) already holds its slot. Answers three result sets per workflow
 * claimed: its row, its steps, its signals.
 */
function claimFlowBody(prefix: string): string {
  const n = mysqlNames(prefix);
  const w = n.workflows;
  const { opening } = procedureParts(prefix);
  const runnable = `
            NOT EXISTS (
              SELECT 1 FROM JSON_TABLE(p_versions, '$[*]' COLUMNS (
                run_name VARCHAR(255) PATH '$[0]', run_version INT PATH '$[1]')) AS runs
              WHERE CONVERT(runs.run_name USING utf8mb4) COLLATE utf8mb4_bin = name
                AND runs.run_version < version)`;
  const columns = `id_key, name, concurrency_key, lease_token IS NOT NULL,
            first_claimed_at IS NULL`;
  // Claims the row `v_key` with the next lease, and answers its three result sets.
  const take = `UPDATE ${w}
          SET status = CASE status WHEN 'compensating' THEN status ELSE 'running' END,
              attempts = attempts + 1, updated_at = p_now,
              lease_token = JSON_UNQUOTE(JSON_EXTRACT(p_leases, CONCAT('$[', v_rank, '][0]'))),
              ready_at = JSON_EXTRACT(p_leases, CONCAT('$[', v_rank, '][1]')),
              waiting_for = NULL, waiting_kind = NULL,
              first_claimed_at = COALESCE(first_claimed_at, p_now)
          WHERE id_key = v_key;
          SELECT id, name, input, version, deadline_at, parent, trace_context,
            lease_token AS token FROM ${w}
          WHERE id_key = v_key;
          SELECT kind, step_id, result, wake_at, started_at, recorded_at FROM ${n.steps}
          WHERE workflow_key = v_key ORDER BY seq;
          ${signalsSelect(n.signals, 'v_key')};
          SET v_rank = v_rank + 1;`;
  // Sets v_take: whether the row fetched stays within the limits of its name and key (a leased
  // one, a lapsed lease taken over, holds its slot already).
  const withinLimits = `SET v_take = TRUE;
        IF v_limited AND NOT v_leased THEN
          SELECT COUNT(*), MAX(lim_concurrency), MAX(lim_per_key), MAX(lim_rate_max),
            MAX(lim_rate_ms), MAX(lim_key_rate_max), MAX(lim_key_rate_ms)
          INTO v_found, v_concurrency, v_per_key, v_rate_max, v_rate_ms, v_key_rate_max,
            v_key_rate_ms
          FROM JSON_TABLE(p_limits, '$[*]' COLUMNS (
            lim_name VARCHAR(255) PATH '$[0]', lim_concurrency INT PATH '$[1]',
            lim_per_key INT PATH '$[2]', lim_rate_max INT PATH '$[3]',
            lim_rate_ms BIGINT PATH '$[4]', lim_key_rate_max INT PATH '$[5]',
            lim_key_rate_ms BIGINT PATH '$[6]')) AS lim
          WHERE CONVERT(lim.lim_name USING utf8mb4) COLLATE utf8mb4_bin = v_name;
          IF v_found > 0 THEN
            IF v_concurrency IS NOT NULL AND (SELECT COUNT(*) FROM ${w}
                WHERE name = v_name AND lease_token IS NOT NULL) >= v_concurrency THEN
              SET v_take = FALSE;
            END IF;
            IF v_take AND v_per_key IS NOT NULL AND v_ckey IS NOT NULL AND (SELECT COUNT(*)
                FROM ${w} WHERE name = v_name AND concurrency_key = v_ckey
                  AND lease_token IS NOT NULL) >= v_per_key THEN
              SET v_take = FALSE;
            END IF;
            IF v_take AND v_fresh AND v_rate_max IS NOT NULL AND (SELECT COUNT(*) FROM ${w}
                WHERE name = v_name AND first_claimed_at > p_now - v_rate_ms) >= v_rate_max THEN
              SET v_take = FALSE;
            END IF;
            IF v_take AND v_fresh AND v_key_rate_max IS NOT NULL AND v_ckey IS NOT NULL
                AND (SELECT COUNT(*) FROM ${w} WHERE name = v_name AND concurrency_key = v_ckey
                  AND first_claimed_at > p_now - v_key_rate_ms) >= v_key_rate_max THEN
              SET v_take = FALSE;
            END IF;
          END IF;
        END IF;`;
  return `(IN p_now BIGINT, IN p_leases LONGTEXT, IN p_limit INT, IN p_versions LONGTEXT,
      IN p_oldest BOOLEAN, IN p_limits LONGTEXT, IN p_scan INT)
    BEGIN
      DECLARE v_key BINARY(32);
      DECLARE v_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      DECLARE v_ckey MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      DECLARE v_leased BOOLEAN;
      DECLARE v_fresh BOOLEAN;
      DECLARE v_found INT;
      DECLARE v_concurrency INT;
      DECLARE v_per_key INT;
      DECLARE v_rate_max INT;
      DECLARE v_rate_ms BIGINT;
      DECLARE v_key_rate_max INT;
      DECLARE v_key_rate_ms BIGINT;
      DECLARE v_take BOOLEAN;
      DECLARE v_limited BOOLEAN DEFAULT p_limits IS NOT NULL;
      DECLARE v_rank INT DEFAULT 0;
      DECLARE v_done BOOLEAN DEFAULT FALSE;
      -- Each through its index, in its order, so that the scan stops at p_scan rows: on a small
      -- table the optimizer otherwise reads and sorts every row, and a locking read keeps a lock
      -- on each row it matched, so concurrent claims skipped rows this one did not take.
      DECLARE by_priority CURSOR FOR
        SELECT ${columns} FROM ${w} FORCE INDEX (workflows_priority_ready)
        WHERE ready_priority IS NOT NULL AND ready_at <= p_now AND ${runnable}
        ORDER BY ready_priority DESC, ready_at LIMIT p_scan
        FOR UPDATE SKIP LOCKED;
      DECLARE by_ready CURSOR FOR
        SELECT ${columns} FROM ${w} FORCE INDEX (workflows_ready)
        WHERE ready_at <= p_now AND ${runnable}
        ORDER BY ready_at LIMIT p_scan
        FOR UPDATE SKIP LOCKED;
      -- The lapsed leases of the names with a concurrency limit, taken over first: they hold
      -- their slots already, and behind p_scan ready workflows that the full limit refuses
      -- (their ready_at is the lease's end, later) the scans below never reached them, so a
      -- worker's death left its slots held for good (test/crash/flow-kill.spec.ts).
      DECLARE lapsed CURSOR FOR
        SELECT ${columns} FROM ${w} FORCE INDEX (workflows_leased)
        WHERE name IN (
            SELECT CONVERT(lim.lim_name USING utf8mb4) COLLATE utf8mb4_bin
            FROM JSON_TABLE(p_limits, '$[*]' COLUMNS (
              lim_name VARCHAR(255) PATH '$[0]', lim_concurrency INT PATH '$[1]',
              lim_per_key INT PATH '$[2]')) AS lim
            WHERE lim.lim_concurrency IS NOT NULL OR lim.lim_per_key IS NOT NULL)
          AND lease_token IS NOT NULL AND ready_at <= p_now AND ${runnable}
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED;
      -- The ready compensating workflows, oldest first, taken before any other within their
      -- limits: a cancelled workflow's compensations take the next free slot of its name and key.
      DECLARE to_compensate CURSOR FOR
        SELECT ${columns} FROM ${w} FORCE INDEX (workflows_status)
        WHERE status = 'compensating' AND ready_at <= p_now AND ${runnable}
        ORDER BY ready_at LIMIT p_scan
        FOR UPDATE SKIP LOCKED;
      DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;
      ${opening}
      IF v_limited THEN
        SELECT one INTO v_found FROM ${n.flowLock} WHERE one = 1 FOR UPDATE;
        SET v_done = FALSE;
        OPEN lapsed;
        taking_over: LOOP
          IF v_rank >= p_limit THEN LEAVE taking_over; END IF;
          FETCH lapsed INTO v_key, v_name, v_ckey, v_leased, v_fresh;
          IF v_done THEN LEAVE taking_over; END IF;
          ${take}
        END LOOP;
        CLOSE lapsed;
        SET v_done = FALSE;
        OPEN to_compensate;
        compensating: LOOP
          IF v_rank >= p_limit THEN LEAVE compensating; END IF;
          FETCH to_compensate INTO v_key, v_name, v_ckey, v_leased, v_fresh;
          IF v_done THEN LEAVE compensating; END IF;
          ${withinLimits}
          IF v_take THEN
            ${take}
          END IF;
        END LOOP;
        CLOSE to_compensate;
        SET v_done = FALSE;
      END IF;
      IF p_oldest THEN OPEN by_ready; ELSE OPEN by_priority; END IF;
      claiming: LOOP
        IF v_rank >= p_limit THEN LEAVE claiming; END IF;
        IF p_oldest THEN
          FETCH by_ready INTO v_key, v_name, v_ckey, v_leased, v_fresh;
        ELSE
          FETCH by_priority INTO v_key, v_name, v_ckey, v_leased, v_fresh;
        END IF;
        IF v_done THEN LEAVE claiming; END IF;
        ${withinLimits}
        -- A cancel committed during this claim (after to_compensate was read, or at a time
        -- later than p_now): the counts see its slot free, and the compensating workflow of that
        -- slot goes first, so this one waits. Unleased and compensating is only ever a workflow
        -- just cancelled (a compensating run keeps its lease to the end).
        IF v_take AND v_limited AND NOT v_leased AND v_found > 0
            AND (v_concurrency IS NOT NULL OR v_per_key IS NOT NULL) AND EXISTS (
            SELECT 1 FROM ${w} FORCE INDEX (workflows_name_status)
            WHERE name = v_name AND status = 'compensating' AND lease_token IS NULL
              AND id_key <> v_key
              AND (v_per_key IS NULL OR concurrency_key <=> v_ckey)) THEN
          SET v_take = FALSE;
        END IF;
        IF v_take THEN
          ${take}
        END IF;
      END LOOP;
      IF p_oldest THEN CLOSE by_ready; ELSE CLOSE by_priority; END IF;
      COMMIT;
    END`;
}

/** The claim's limits parameter (`p_limits`), or NULL for a claim without limits. */
export function limitsParam(options: ClaimOptions | undefined): string | null {
  if (!options?.limits || options.limits.size === 0) return null;
  return JSON.stringify(
    [...options.limits].map(([name, limit]) => [
      name,
      limit.concurrency ?? null,
      limit.perKey ?? null,
      limit.rate?.max ?? null,
      limit.rate?.perMs ?? null,
      limit.keyRate?.max ?? null,
      limit.keyRate?.perMs ?? null,
    ]),
  );
}

/** How many ready workflows a claim looks at for `count` leases (a limited one skips some). */
export const scanSize = (count: number, limited: boolean): number =>
  limited ? Math.min(count * 4 + 20, 1000) : count;

/** A workflow's priority (left out when 0) and concurrency key (when set), from its row. */
export const flowFields = (
  row: Row,
): { priority?: number; concurrencyKey?: string } => ({
  ...(Number(row.priority ?? 0) !== 0 && { priority: Number(row.priority) }),
  ...(row.concurrency_key !== null &&
    row.concurrency_key !== undefined && {
      concurrencyKey: text(row.concurrency_key),
    }),
});
