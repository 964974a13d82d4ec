import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import type { MysqlQuery, MysqlSource } from './mysql.connection';
import { mysqlErrno } from './mysql.retry';
import {
  migrationLockName,
  migrationStatements,
  SCHEMA_VERSION,
  versionSql,
} from './mysql.schema';

/** ER_NO_SUCH_TABLE: the version table is not there (no Lidex tables yet). */
const NO_SUCH_TABLE = 1146;
const LOCK_WAIT_SECONDS = 60;

async function schemaVersion(
  query: MysqlQuery,
  prefix: string,
): Promise<number> {
  try {
    const { sets } = await query(versionSql(prefix));
    return Number(sets[0]?.[0]?.version ?? 0);
  } catch (error) {
    if (mysqlErrno(error) === NO_SUCH_TABLE) return 0;
    throw error;
  }
}

/**
 * Values are any Unicode text: a connection in utf8mb3 (TypeORM's default charset) would refuse
 * or mangle characters beyond the Basic Multilingual Plane in the middle of a run. Said at start.
 */
async function checkCharset(query: MysqlQuery, store: string): Promise<void> {
  const { sets } = await query('SELECT @@character_set_connection AS charset');
  const charset = String(sets[0]?.[0]?.charset);
  if (charset !== 'utf8mb4') {
    throw new InvalidOptionsError(
      `${store} connection charset`,
      charset,
      messages.mysqlCharsetFix(),
    );
  }
}

/**
 * Brings the tables up to date (`migrate`), or checks that they are (`!migrate`). Migrating runs
 * on one connection holding a named lock (`GET_LOCK`; MySQL's DDL commits as it goes, so the
 * lock, not a transaction, is what makes instances starting together take turns): the later
 * ones find the work done.
 */
export async function migrateSchema(
  source: MysqlSource,
  prefix: string,
  migrate: boolean,
  store: string,
): Promise<void> {
  await checkCharset(source.query, store);
  const found = await schemaVersion(source.query, prefix);
  if (found >= SCHEMA_VERSION) return;
  if (!migrate) {
    throw new StoreUnavailableError(
      store,
      new Error(messages.mysqlSchemaOutdated(prefix, found, SCHEMA_VERSION)),
    );
  }
  await source.session(async (query) => {
    const lock = migrationLockName(prefix);
    const { sets } = await query('SELECT GET_LOCK(?, ?) AS got', [
      lock,
      LOCK_WAIT_SECONDS,
    ]);
    if (Number(sets[0]?.[0]?.got) !== 1) {
      throw new Error(
        messages.mysqlMigrationLockBusy(store, lock, LOCK_WAIT_SECONDS),
      );
    }
    try {
      if ((await schemaVersion(query, prefix)) >= SCHEMA_VERSION) return;
      for (const statement of migrationStatements(prefix))
        await query(statement);
    } finally {
      await query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  });
}
