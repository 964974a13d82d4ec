import type { Pool } from 'pg';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import {
  migrationLockSql,
  migrationStatements,
  SCHEMA_VERSION,
  versionSql,
} from './postgres.schema';

/** SQLSTATEs of a schema or table that is not there. */
const MISSING = new Set(['3F000', '42P01']);

/** The schema's version: 0 when it has no Lidex tables. */
async function schemaVersion(pool: Pool, schema: string): Promise<number> {
  try {
    const { rows } = await pool.query<{ version: number }>(versionSql(schema));
    return rows[0]?.version ?? 0;
  } catch (error) {
    if (MISSING.has((error as { code?: string }).code ?? '')) return 0;
    throw error;
  }
}

/**
 * Brings the schema up to date (`migrate`), or checks that it is (`!migrate`). Migrating runs in
 * one transaction under an advisory lock: instances starting together take turns, and the later
 * ones find the work done.
 */
export async function migrateSchema(
  pool: Pool,
  schema: string,
  migrate: boolean,
  store: string,
): Promise<void> {
  const found = await schemaVersion(pool, schema);
  if (found >= SCHEMA_VERSION) return;
  if (!migrate) {
    throw new StoreUnavailableError(
      store,
      new Error(
        messages.postgresSchemaOutdated(store, schema, found, SCHEMA_VERSION),
      ),
    );
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(migrationLockSql, [schema]);
    for (const statement of migrationStatements(schema)) {
      await client.query(statement);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
