import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { describeEachMongo, dropTestDatabases, testDatabase } from './mongo';
import { describeMysql, dropTestTables, testPrefix } from './mysql';
import { type CodecCaseStores } from './payload-codec-case';
import { describePostgres, dropTestSchemas, testSchema } from './postgres';
import {
  mongoRawText,
  mysqlRawText,
  postgresRawText,
  sqliteRawText,
} from './raw-store-text';
import { tempDir } from './temp-dir';

/**
 * Registers `cases` on every store, each given stores that can be reopened (to restart with
 * another key) and whose raw data can be read with the database's own driver: memory, a SQLite
 * file, each MongoDB server, a PostgreSQL schema and a MySQL table prefix.
 */
export function onEveryCodecStore(
  name: string,
  cases: (label: string, stores: CodecCaseStores) => void,
): void {
  let memory: MemoryStore | undefined;
  cases('memory', {
    create: async () => (memory = await init(new MemoryStore())),
    reopen: () => Promise.resolve(memory!),
    // The memory store's data is what it hands back: every workflow, whole.
    rawText: async () => {
      const all = await memory!.listWorkflows({ limit: 100 });
      const whole = await Promise.all(
        all.map((w) => memory!.getWorkflow(w.id)),
      );
      return JSON.stringify(whole);
    },
    cleanup: () => Promise.resolve(),
  });

  const dir = tempDir(`lidex-${name}-`);
  let files = 0;
  cases(
    'sqlite',
    stores(
      (path) => init(new SqliteStore({ path })),
      () => join(dir.path, `${name}-${++files}.sqlite`),
      (path) => Promise.resolve(sqliteRawText(path)),
      () => Promise.resolve(dir.remove()),
    ),
  );

  describeEachMongo('MongoDB on $label', (server) => {
    cases(
      server.label,
      stores(
        (database) => init(new MongoStore({ url: server.url, database })),
        () => testDatabase(server.url),
        (database) => mongoRawText(server.url, database),
        dropTestDatabases,
      ),
    );
  });

  describePostgres('PostgreSQL', () => {
    cases(
      'postgres',
      stores(
        (schema) =>
          init(
            new PostgresStore({
              url: process.env.LIDEX_TEST_POSTGRES_URL!,
              schema,
              poolSize: 2,
            }),
          ),
        testSchema,
        postgresRawText,
        () => dropTestSchemas(),
      ),
    );
  });

  describeMysql('MySQL', () => {
    cases(
      'mysql',
      stores(
        (tablePrefix) =>
          init(
            new MysqlStore({
              url: process.env.LIDEX_TEST_MYSQL_URL!,
              tablePrefix,
              poolSize: 2,
            }),
          ),
        testPrefix,
        mysqlRawText,
        () => dropTestTables(),
      ),
    );
  });
}

/** Each `create()` a new place (file, schema, prefix, database); `reopen()` opens it again. */
function stores(
  open: (place: string) => Promise<Persistence>,
  newPlace: () => string,
  rawText: (place: string) => Promise<string>,
  cleanup: () => Promise<void>,
): CodecCaseStores {
  let place = '';
  return {
    create: () => open((place = newPlace())),
    reopen: () => open(place),
    rawText: () => rawText(place),
    cleanup,
  };
}

const init = async <S extends Persistence>(store: S): Promise<S> => {
  await store.init();
  return store;
};
