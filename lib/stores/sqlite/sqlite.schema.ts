import type { BetterSqlite3 } from './sqlite.driver-types';
import { versionColumn } from './sqlite.versions';
import { traceContextColumn } from './sqlite.trace-context';
import { sqliteSignalColumns, sqliteSignalsTable } from './sqlite.signals';
import { sqliteFlowColumns } from './sqlite.flow-control';
import { endedColumn } from './sqlite.ended';
import { sqliteChildColumns } from './sqlite.children';

/** Tables and indexes of the SQLite store; every statement is idempotent. */
export const sqliteSchema = (prefix: string): string => `
CREATE TABLE IF NOT EXISTS ${prefix}workflows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  input TEXT NOT NULL,
  result TEXT,
  error TEXT,
  failures INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  ready_at INTEGER,
  lease_token TEXT,
  last_lease TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  trace_context TEXT,
  waiting_for TEXT,
  waiting_kind TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  concurrency_key TEXT,
  first_claimed_at INTEGER,
  deadline_at INTEGER,
  parent TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX IF NOT EXISTS ${prefix}workflows_ready
  ON ${prefix}workflows (ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS ${prefix}workflows_newest
  ON ${prefix}workflows (created_at, id);
CREATE INDEX IF NOT EXISTS ${prefix}workflows_status
  ON ${prefix}workflows (status, created_at, id);
CREATE INDEX IF NOT EXISTS ${prefix}workflows_name
  ON ${prefix}workflows (name, created_at, id);
CREATE INDEX IF NOT EXISTS ${prefix}workflows_name_status
  ON ${prefix}workflows (name, status);
CREATE TABLE IF NOT EXISTS ${prefix}steps (
  workflow_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  step_id TEXT NOT NULL,
  result TEXT,
  wake_at INTEGER,
  started_at INTEGER,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, kind, step_id)
);
${sqliteSignalsTable(prefix)}`;

/** Columns added after the first release, for files created by it. */
export const sqliteAddedColumns = (
  prefix: string,
): { table: string; column: string; definition: string }[] => [
  {
    table: `${prefix}workflows`,
    column: 'attempts',
    definition: 'INTEGER NOT NULL DEFAULT 0',
  },
  { table: `${prefix}steps`, column: 'started_at', definition: 'INTEGER' },
  // The lease that last let go of the workflow, so that a repeated write knows its own try.
  { table: `${prefix}workflows`, column: 'last_lease', definition: 'TEXT' },
  versionColumn(prefix),
  traceContextColumn(prefix),
  ...sqliteSignalColumns(prefix),
  ...sqliteFlowColumns(prefix),
  // When the workflow is cancelled if it has not ended (start()'s timeoutMs).
  { table: `${prefix}workflows`, column: 'deadline_at', definition: 'INTEGER' },
  ...sqliteChildColumns(prefix),
  // When the workflow ended, for the index of ended workflows (sqlite.ended.ts).
  endedColumn(prefix),
];

/** Adds the columns a file made by an earlier version lacks. */
export function addMissingColumns(
  db: BetterSqlite3.Database,
  prefix: string,
): void {
  for (const { table, column, definition } of sqliteAddedColumns(prefix)) {
    const columns = db.pragma(`table_info(${table})`) as { name: string }[];
    if (columns.some((existing) => existing.name === column)) continue;
    try {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    } catch (error) {
      // Another process opening the same file added it first.
      if (!/duplicate column/i.test(String(error))) throw error;
    }
  }
}
