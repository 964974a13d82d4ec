import Database from 'better-sqlite3';
import type { Persistence } from '@lidex/nestjs';

/*
 * What the migration specs share: a database of an earlier version to open with today's store.
 * A SQL server's is made by today's store and then taken back (each spec drops what the version
 * it stands for did not have); SQLite's is written as the early release wrote it.
 */

/**
 * Initialises `store` (of today's schema), gives it one idle workflow `id` (created at `now`)
 * and closes it: the database a spec then takes back to an earlier schema version.
 */
export async function madeWithWorkflow(
  store: Persistence,
  id: string,
  now: number,
): Promise<void> {
  await store.init();
  await store.insertWorkflow({ id, name: 'wf', input: '1', now });
  await store.close();
}

/** Initialises `store`, runs `check` on it, and closes it, also when `check` fails. */
export async function whileOpen<S extends Persistence>(
  store: S,
  check: (store: S) => Promise<void>,
): Promise<void> {
  await store.init();
  try {
    await check(store);
  } finally {
    await store.close();
  }
}

/**
 * Writes at `path` a SQLite file as an early release made it (the first release's columns with
 * attempts, leases and step timing; none of the later ones), holding one idle workflow `old`,
 * ready, created at `now`.
 */
export function writeEarlySqliteFile(path: string, now: number): void {
  const old = new Database(path);
  old.exec(`
    CREATE TABLE lidex_workflows (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,
      result TEXT, error TEXT, failures INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0, ready_at INTEGER, lease_token TEXT,
      last_lease TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE lidex_steps (
      workflow_id TEXT NOT NULL, kind TEXT NOT NULL, step_id TEXT NOT NULL, result TEXT,
      wake_at INTEGER, started_at INTEGER, recorded_at INTEGER NOT NULL,
      PRIMARY KEY (workflow_id, kind, step_id));
    INSERT INTO lidex_workflows (id, name, status, input, ready_at, created_at, updated_at)
      VALUES ('old', 'wf', 'idle', '1', ${now}, ${now}, ${now});
  `);
  old.close();
}
