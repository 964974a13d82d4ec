import { traceContextMigration } from './postgres.trace-context';
import { childrenMigration } from './postgres.children';
import { signalsMigration } from './postgres.signals';
import { versionMigration } from './postgres.versions';
import { schedulesMigration } from './postgres.schedules';
import { retentionMigration } from './postgres.retention';
import { deadlinesMigration } from './postgres.deadlines';
import { flowMigration } from './postgres.flow-control';
import { activityMigration } from './postgres.activity';
import { endedMigration } from './postgres.ended';
import { listIndexesMigration } from './postgres.list-indexes';
import { leanIndexesMigration } from './postgres.lean-indexes';

/**
 * The PostgreSQL store's tables, as numbered migrations. Every statement is idempotent, so the
 * whole list can be run on any earlier version of the schema (and on a current one).
 */
export const SCHEMA_VERSION = 13;

const migrations = (schema: string): string[][] => [
  // 1: workflows and their steps.
  [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS "${schema}".workflows (
      id text COLLATE "C" PRIMARY KEY,
      name text COLLATE "C" NOT NULL,
      status text NOT NULL,
      input text NOT NULL,
      result text,
      error text,
      failures integer NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0,
      ready_at bigint,
      lease_token text,
      -- The lease that last let go of the workflow (released, finished, failed): a write
      -- repeated after its answer was lost recognises its own applied try by it.
      last_lease text,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL
    )`,
    // Only workflows that can still run have a ready_at: the claim's index holds just those, so
    // claiming costs the same however many finished workflows the table keeps.
    `CREATE INDEX IF NOT EXISTS workflows_ready
      ON "${schema}".workflows (ready_at) WHERE ready_at IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS workflows_newest
      ON "${schema}".workflows (created_at, id)`,
    `CREATE INDEX IF NOT EXISTS workflows_status
      ON "${schema}".workflows (status, created_at, id)`,
    // The name's index is migration 13's (postgres.lean-indexes.ts): a schema made now skips
    // the two this one made before it.
    `CREATE TABLE IF NOT EXISTS "${schema}".steps (
      workflow_id text COLLATE "C" NOT NULL,
      kind text NOT NULL,
      step_id text COLLATE "C" NOT NULL,
      result text,
      wake_at bigint,
      started_at bigint,
      recorded_at bigint NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      PRIMARY KEY (workflow_id, kind, step_id)
    )`,
    `CREATE TABLE IF NOT EXISTS "${schema}".schema_version (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      version integer NOT NULL
    )`,
  ],
  // 2: the version of the code each workflow started on.
  versionMigration(schema),
  // 3: schedules (postgres.schedules.ts).
  schedulesMigration(schema),
  // 4: signals, and what a waiting workflow waits for.
  signalsMigration(schema),
  // 5: the index of ended workflows a purge reads (postgres.retention.ts), on `updated_at`: made
  // by schemas before migration 11 only, which replaces it (an index on `ended_at`).
  retentionMigration(),
  // 6: deadlines.
  deadlinesMigration(schema),
  // 7: priorities, concurrency keys and first claims (postgres.flow-control.ts).
  flowMigration(schema),
  // 8: the trace context each workflow started with (postgres.trace-context.ts).
  traceContextMigration(schema),
  // 9: the parent of a child workflow (postgres.children.ts).
  childrenMigration(schema),
  // 10: the index of recorded steps the dashboard's charts read (postgres.activity.ts).
  activityMigration(schema),
  // 11: when each workflow ended, its index, and room on each page (postgres.ended.ts).
  endedMigration(schema),
  // 12: the indexes of the lists by priority and by concurrency key (postgres.list-indexes.ts).
  listIndexesMigration(schema),
  // 13: fewer index entries per workflow (postgres.lean-indexes.ts).
  leanIndexesMigration(schema),
];

/** The advisory lock key under which one instance at a time migrates `schema`. */
export const migrationLockSql = `SELECT pg_advisory_xact_lock(hashtextextended('lidex migrations ' || $1, 0))`;

/** The statements that bring `schema` from any earlier version to the current one. */
export function migrationStatements(schema: string): string[] {
  return [
    ...migrations(schema).flat(),
    `INSERT INTO "${schema}".schema_version (version) VALUES (${SCHEMA_VERSION})
      ON CONFLICT (one) DO UPDATE SET version = GREATEST("${schema}".schema_version.version, EXCLUDED.version)`,
  ];
}

/** The same, as one script for a migration tool: in a transaction, under the advisory lock. */
export function migrationScript(schema: string): string {
  return [
    'BEGIN',
    migrationLockSql.replace('$1', `'${schema}'`),
    ...migrationStatements(schema),
    'COMMIT',
  ]
    .map((statement) => `${statement};`)
    .join('\n');
}

/** The schema's version, or 0 when it has none. */
export const versionSql = (schema: string): string =>
  `SELECT version FROM "${schema}".schema_version`;
