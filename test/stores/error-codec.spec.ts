import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import {
  describeEachMongo,
  dropTestDatabases,
  testDatabase,
} from '../support/mongo';
import { describeMysql, dropTestTables, testPrefix } from '../support/mysql';
import { errorCodecCases } from '../support/error-codec-case';
import { type CodecCaseStores } from '../support/payload-codec-case';
import {
  describePostgres,
  dropTestSchemas,
  testSchema,
} from '../support/postgres';
import {
  mongoRawText,
  mysqlRawText,
  postgresRawText,
  sqliteRawText,
} from '../support/raw-store-text';
import { tempDir } from '../support/temp-dir';

// Encrypted error messages on every store: a step that fails for good, the workflow aborted after
// a restart and a key rotation, the raw data read with the database's own driver.

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

let memory: MemoryStore | undefined;
errorCodecCases('memory', {
  create: async () => (memory = await init(new MemoryStore())),
  reopen: () => Promise.resolve(memory!),
  // The memory store's data is what it hands back: every workflow, whole.
  rawText: async () => {
    const all = await memory!.listWorkflows({ limit: 100 });
    const whole = await Promise.all(all.map((w) => memory!.getWorkflow(w.id)));
    return JSON.stringify(whole);
  },
  cleanup: () => Promise.resolve(),
});

const dir = tempDir('lidex-error-codec-');
let files = 0;
errorCodecCases(
  'sqlite',
  stores(
    (path) => init(new SqliteStore({ path })),
    () => join(dir.path, `errors-${++files}.sqlite`),
    (path) => Promise.resolve(sqliteRawText(path)),
    () => Promise.resolve(dir.remove()),
  ),
);

describeEachMongo('MongoDB on $label', (server) => {
  errorCodecCases(
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
  errorCodecCases(
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
  errorCodecCases(
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
