import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import {
  migrationLockSql,
  migrationStatements,
  SCHEMA_VERSION,
  versionSql,
} from './postgres.schema';

/** Runs the migration's statements: on the store's pool, or through the app's ORM. */
export interface SchemaConnection {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs `body` in one transaction, committed if it resolves, rolled back if it throws. */
  transaction(
    body: (query: SchemaConnection['query']) => Promise<void>,
  ): Promise<void>;
}

/** SQLSTATEs of a schema or table that is not there. */
const MISSING = new Set(['3F000', '42P01']);

/** The schema's version: 0 when it has no Lidex tables. */
async function schemaVersion(
  connection: SchemaConnection,
  schema: string,
): Promise<number> {
  try {
    // Checked first: an ORM may wrap the error of a missing table beyond recognition.
    const { rows: found } = await connection.query(
      'SELECT to_regclass($1)::text AS t',
      [`"${schema}".schema_version`],
    );
    if (found[0]?.t === null) return 0;
    const { rows } = await connection.query(versionSql(schema));
    return Number(rows[0]?.version ?? 0);
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
  connection: SchemaConnection,
  schema: string,
  migrate: boolean,
  store: string,
): Promise<void> {
  const found = await schemaVersion(connection, schema);
  if (found >= SCHEMA_VERSION) return;
  if (!migrate) {
    throw new StoreUnavailableError(
      store,
      new Error(messages.postgresSchemaOutdated(schema, found, SCHEMA_VERSION)),
    );
  }
  await connection.transaction(async (query) => {
    await query(migrationLockSql, [schema]);
    for (const statement of migrationStatements(schema)) await query(statement);
  });
}
