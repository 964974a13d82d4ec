import { activityMigration } from './mysql.activity';
import { batchInsertProcedure } from './mysql.batch-inserts';
import { batchWriteProcedure } from './mysql.batch-writes';
import { childrenMigration } from './mysql.children';
import { compensationMigration } from './mysql.compensation';
import { deadlinesMigration } from './mysql.deadlines';
import { flowMigration } from './mysql.flow-control';
import { listIndexesMigration } from './mysql.list-indexes';
import { retentionMigration } from './mysql.retention';
import { endedMigration } from './mysql.ended';
import { mysqlNames } from './mysql.names';
import { mysqlProcedures } from './mysql.procedures';
import { signalsMigration } from './mysql.signals';
import { traceContextMigration } from './mysql.trace-context';

/**
 * The MySQL store's tables and procedures, as numbered migrations, for one table prefix. Every
 * statement is idempotent (tables `IF NOT EXISTS`; a procedure dropped and created again), so
 * the whole list can be run on any earlier version of the schema, and on a current one.
 * Text is utf8mb4 with a binary collation (ids compare byte for byte, as in the other stores),
 * values `LONGTEXT`, times `BIGINT` milliseconds.
 */
export const SCHEMA_VERSION = 16;

const TABLE_OPTIONS =
  'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

const tables = (prefix: string): string[] => {
  const n = mysqlNames(prefix);
  return [
    `CREATE TABLE IF NOT EXISTS ${n.workflows} (
      -- Ids are any string (10,000 characters, or more): the key is their SHA-256.
      id_key BINARY(32) NOT NULL PRIMARY KEY,
      id MEDIUMTEXT NOT NULL,
      name VARCHAR(255) NOT NULL,
      status VARCHAR(16) NOT NULL,
      input LONGTEXT NOT NULL,
      result LONGTEXT NULL,
      error LONGTEXT NULL,
      failures INT NOT NULL DEFAULT 0,
      attempts INT NOT NULL DEFAULT 0,
      version INT NOT NULL DEFAULT 1,
      -- NULL once the workflow cannot run: the claim's range scan (ready_at <= now) skips
      -- those, so claiming costs the same however many finished workflows the table keeps.
      ready_at BIGINT NULL,
      lease_token VARCHAR(64) NULL,
      -- The lease that last let go of the workflow: a write repeated after its answer was
      -- lost recognises its own applied try by it.
      last_lease VARCHAR(64) NULL,
      -- When the workflow is cancelled if it has not ended (mysql.deadlines.ts).
      deadline_at BIGINT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      KEY workflows_ready (ready_at),
      KEY workflows_newest (created_at, id(191)),
      KEY workflows_status (status, created_at, id(191)),
      KEY workflows_name (name, created_at, id(191)),
      KEY workflows_name_status (name, status),
      KEY workflows_version (version, created_at, id(191))
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${n.steps} (
      workflow_key BINARY(32) NOT NULL,
      kind VARCHAR(32) NOT NULL,
      step_key BINARY(32) NOT NULL,
      step_id MEDIUMTEXT NOT NULL,
      result LONGTEXT NULL,
      wake_at BIGINT NULL,
      started_at BIGINT NULL,
      recorded_at BIGINT NOT NULL,
      seq BIGINT NOT NULL AUTO_INCREMENT,
      PRIMARY KEY (workflow_key, kind, step_key),
      UNIQUE KEY steps_seq (seq)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${n.schedules} (
      id_key BINARY(32) NOT NULL PRIMARY KEY,
      id MEDIUMTEXT NOT NULL,
      definition LONGTEXT NOT NULL,
      paused BOOLEAN NOT NULL DEFAULT FALSE,
      last_tick_at BIGINT NOT NULL,
      last_workflow_id MEDIUMTEXT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${n.version} (
      one TINYINT NOT NULL PRIMARY KEY,
      version INT NOT NULL
    ) ${TABLE_OPTIONS}`,
  ];
};

/** The statements that bring `prefix`'s tables from any earlier version to the current one. */
export function migrationStatements(prefix: string): string[] {
  const n = mysqlNames(prefix);
  return [
    ...tables(prefix),
    ...deadlinesMigration(prefix),
    // 4: signals and waits, a child's parent, the trace context.
    ...signalsMigration(prefix),
    ...childrenMigration(prefix),
    ...traceContextMigration(prefix),
    // 5: priorities, concurrency keys and first claims (flow control).
    ...flowMigration(prefix),
    ...retentionMigration(prefix),
    // 6: the steps index the dashboard's charts read (mysql.activity.ts).
    ...activityMigration(prefix),
    // 7: compensation (records' kind widened, the cancel that compensates).
    ...compensationMigration(prefix),
    // 11: the indexes of the lists by priority and by concurrency key (mysql.list-indexes.ts).
    ...listIndexesMigration(prefix),
    // 12: when each workflow ended, and the ended index on it (mysql.ended.ts).
    ...endedMigration(prefix),
    // 8: claims read through the ready indexes (mysql.flow-control.ts), procedures made again.
    // 9: inserts, steps and finishes of many workflows in one call (mysql.batch-*.ts).
    // 10: a claim leaves a compensating workflow `compensating` (procedures made again).
    // 12: a step without a ready time keeps the lease's; ends set `ended_at` (made again).
    // 13: a limited claim takes over lapsed leases first (claim_flow made again).
    // 14: then the ready compensating workflows, before the others (claim_flow made again).
    // 15: a finish records the run's last step with it (finish_step added, write_many made again).
    // 16: a cancel into `compensating` is ready since its creation (7 made again).
    ...[
      ...mysqlProcedures(prefix),
      batchWriteProcedure(prefix),
      batchInsertProcedure(prefix),
    ].flatMap(({ name, body }) => [
      `DROP PROCEDURE IF EXISTS ${name}`,
      `CREATE PROCEDURE ${name} ${body}`,
    ]),
    `INSERT INTO ${n.version} (one, version) VALUES (1, ${SCHEMA_VERSION})
      ON DUPLICATE KEY UPDATE version = GREATEST(version, ${SCHEMA_VERSION})`,
  ];
}

/** The name of the lock (`GET_LOCK`) under which one instance at a time migrates `prefix`. */
export const migrationLockName = (prefix: string): string =>
  `lidex migrations ${prefix}`;

/**
 * The same, as one script for the `mysql`/`mariadb` client or a migration tool that runs
 * scripts: under the lock, procedures between `DELIMITER` lines.
 */
export function migrationScript(prefix: string): string {
  const lock = migrationLockName(prefix);
  const lines = [`SELECT GET_LOCK('${lock}', 60);`];
  for (const statement of migrationStatements(prefix)) {
    lines.push(
      statement.startsWith('CREATE PROCEDURE')
        ? `DELIMITER //\n${statement} //\nDELIMITER ;`
        : `${statement};`,
    );
  }
  lines.push(`SELECT RELEASE_LOCK('${lock}');`);
  return lines.join('\n');
}

/** The schema's version (no row or no table: 0). */
export const versionSql = (prefix: string): string =>
  `SELECT version FROM ${mysqlNames(prefix).version} WHERE one = 1`;
