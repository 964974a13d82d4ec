import { join } from 'node:path';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { Persistence } from '@lidex/nestjs';
import { claimNext } from '../support/claim-next';
import {
  madeWithWorkflow,
  whileOpen,
  writeEarlySqliteFile,
} from '../support/old-schema';
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
    writeEarlySqliteFile(path, T0);
    try {
      await whileOpen(new SqliteStore({ path }), keepsOldAndNewWorkflows);
    } finally {
      dir.remove();
    }
  });

  describeMysql('MySQL', () => {
    afterAll(() => dropTestTables());

    it('migrates tables made before deadlines (version 1) to the current version', async () => {
      const tablePrefix = testPrefix();
      await madeWithWorkflow(
        new MysqlStore({ url: mysqlUrl!, tablePrefix }),
        'old',
        T0,
      );
      // Back to the tables version 1 made: no deadline column.
      await mysqlSql(
        `ALTER TABLE \`${tablePrefix}workflows\` DROP COLUMN deadline_at`,
      );
      await mysqlSql(`UPDATE \`${tablePrefix}schema_version\` SET version = 1`);

      await whileOpen(
        new MysqlStore({ url: mysqlUrl!, tablePrefix }),
        keepsOldAndNewWorkflows,
      );
    });
  });

  describePostgres('PostgreSQL', () => {
    it('migrates a schema made before deadlines (version 1) to the current one', async () => {
      const schema = testSchema();
      await madeWithWorkflow(
        new PostgresStore({ url: postgresUrl!, schema }),
        'old',
        T0,
      );
      // Back to the schema version 1 made: no deadline column.
      await sql(`ALTER TABLE "${schema}".workflows DROP COLUMN deadline_at`);
      await sql(`UPDATE "${schema}".schema_version SET version = 1`);

      await whileOpen(
        new PostgresStore({ url: postgresUrl!, schema }),
        keepsOldAndNewWorkflows,
      );
    });
  });
});
