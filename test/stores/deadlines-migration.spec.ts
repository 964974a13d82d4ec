import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { Persistence } from '@lidex/nestjs';
import { claimNext } from '../support/claim-next';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';
import {
  describePostgres,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';
import { tempDir } from '../support/temp-dir';

const T0 = 1_700_000_000_000;
const DEADLINE = T0 + 60_000;

/** What a store opened on a database of the version before deadlines must do. */
async function keepsOldAndNewWorkflows(store: Persistence): Promise<void> {
  expect(await store.getWorkflow('old')).toMatchObject({ status: 'idle' });
  expect((await store.getWorkflow('old'))?.deadlineAt).toBeUndefined();
  await store.insertWorkflow({
    id: 'new',
    name: 'wf',
    input: '1',
    now: T0 + 1,
    deadlineAt: DEADLINE,
  });
  expect((await store.getWorkflow('new'))?.deadlineAt).toBe(DEADLINE);
  expect(
    (await claimNext(store, T0 + 2, { token: 't', until: T0 + 9 }))?.id,
  ).toBe('old');
  const claimed = await claimNext(store, T0 + 2, { token: 'u', until: T0 + 9 });
  expect(claimed).toMatchObject({ id: 'new', deadlineAt: DEADLINE });
}

describe('deadlines on a database made before them', () => {
  it('SQLite: adds the deadline column to a file made by the previous version', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'old.sqlite');
    // The previous version's file: every column of today but deadline_at.
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
        VALUES ('old', 'wf', 'idle', '1', ${T0}, ${T0}, ${T0});
    `);
    old.close();
    const store = new SqliteStore({ path });
    await store.init();
    try {
      await keepsOldAndNewWorkflows(store);
    } finally {
      await store.close();
      dir.remove();
    }
  });

  describeMysql('MySQL', () => {
    afterAll(() => dropTestTables());

    it('migrates tables made before deadlines (version 1) to the current version', async () => {
      const tablePrefix = testPrefix();
      const first = new MysqlStore({ url: mysqlUrl!, tablePrefix });
      await first.init();
      await first.insertWorkflow({
        id: 'old',
        name: 'wf',
        input: '1',
        now: T0,
      });
      await first.close();
      // Back to the tables version 1 made: no deadline column.
      await mysqlSql(
        `ALTER TABLE \`${tablePrefix}workflows\` DROP COLUMN deadline_at`,
      );
      await mysqlSql(`UPDATE \`${tablePrefix}schema_version\` SET version = 1`);

      const store = new MysqlStore({ url: mysqlUrl!, tablePrefix });
      await store.init();
      try {
        await keepsOldAndNewWorkflows(store);
      } finally {
        await store.close();
      }
    });
  });

  describePostgres('PostgreSQL', () => {
    it('migrates a schema made before deadlines (version 1) to the current one', async () => {
      const schema = testSchema();
      const first = new PostgresStore({ url: postgresUrl!, schema });
      await first.init();
      await first.insertWorkflow({
        id: 'old',
        name: 'wf',
        input: '1',
        now: T0,
      });
      await first.close();
      // Back to the schema version 1 made: no deadline column.
      await sql(`ALTER TABLE "${schema}".workflows DROP COLUMN deadline_at`);
      await sql(`UPDATE "${schema}".schema_version SET version = 1`);

      const store = new PostgresStore({ url: postgresUrl!, schema });
      await store.init();
      try {
        await keepsOldAndNewWorkflows(store);
      } finally {
        await store.close();
      }
    });
  });
});
