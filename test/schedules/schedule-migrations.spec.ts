import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { SCHEMA_VERSION } from '../../lib/stores/postgres/postgres.schema';
import { sqliteSchema } from '../../lib/stores/sqlite/sqlite.schema';
import { madeWithWorkflow } from '../support/old-schema';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';
import { tempDir } from '../support/temp-dir';

const T0 = 1_900_000_000_000;

/** A database made by a version without schedules keeps its workflows and gains schedules. */
describe('schedules in a database made before them', () => {
  const dir = tempDir('lidex-schedule-migration-');
  afterAll(() => dir.remove());

  it('SQLite: a file with only the workflow tables', async () => {
    const path = join(dir.path, 'old.sqlite');
    const old = new Database(path);
    old.exec(sqliteSchema('lidex_'));
    old
      .prepare(
        `INSERT INTO lidex_workflows (id, name, status, input, created_at, updated_at)
         VALUES ('kept', 'wf', 'idle', '1', ?, ?)`,
      )
      .run(T0, T0);
    old.close();
    const store = new SqliteStore({ path });
    await store.init();
    try {
      expect((await store.getWorkflow('kept'))?.status).toBe('idle');
      expect(
        await store.schedules.saveSchedule({
          id: 's',
          definition: '{}',
          now: T0,
        }),
      ).toBe('created');
      expect(await store.schedules.listSchedules()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  describePostgres('PostgreSQL', () => {
    afterAll(() => dropTestSchemas());

    it('a schema of the version before schedules is migrated at start', async () => {
      const schema = testSchema();
      await madeWithWorkflow(
        new PostgresStore({ url: postgresUrl!, schema }),
        'kept',
        T0,
      );
      // As the release before schedules left it.
      await sql(`DROP TABLE "${schema}".schedules`);
      await sql(
        `UPDATE "${schema}".schema_version SET version = ${SCHEMA_VERSION - 1}`,
      );

      const upgraded = new PostgresStore({ url: postgresUrl!, schema });
      await upgraded.init();
      try {
        expect((await upgraded.getWorkflow('kept'))?.status).toBe('idle');
        expect(
          await upgraded.schedules.saveSchedule({
            id: 's',
            definition: '{}',
            now: T0,
          }),
        ).toBe('created');
        expect(
          await sql(`SELECT version FROM "${schema}".schema_version`),
        ).toEqual([{ version: SCHEMA_VERSION }]);
      } finally {
        await upgraded.close();
      }
    });
  });
});
