import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { sql } from './postgres';
import { mysqlSql } from './mysql';

/**
 * Everything a store holds, read past Lidex with the database's own driver, as one text: what
 * someone with the database (a backup, a replica) would see. Binary columns read as UTF-8, so
 * a value stored as bytes is not hidden from the search.
 */
const asText = (rows: unknown): string =>
  JSON.stringify(rows, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    const buffer = value as { type?: unknown; data?: unknown };
    if (buffer?.type === 'Buffer' && Array.isArray(buffer.data))
      return Buffer.from(buffer.data as number[]).toString('utf8');
    const binary = value as { _bsontype?: unknown; buffer?: Uint8Array };
    if (binary?._bsontype === 'Binary' && binary.buffer)
      return Buffer.from(binary.buffer).toString('utf8');
    return value;
  });

export function sqliteRawText(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .all() as { name: string }[];
    return asText(
      tables.map(({ name }) =>
        db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all(),
      ),
    );
  } finally {
    db.close();
  }
}

export async function mongoRawText(
  url: string,
  database: string,
): Promise<string> {
  const client = new MongoClient(url);
  try {
    const db = client.db(database);
    const collections = await db.listCollections().toArray();
    const documents = [];
    for (const { name } of collections)
      documents.push(await db.collection(name).find({}).toArray());
    return asText(documents);
  } finally {
    await client.close();
  }
}

export async function postgresRawText(schema: string): Promise<string> {
  const tables = await sql<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
    [schema],
  );
  const rows = [];
  for (const { table_name } of tables)
    rows.push(await sql(`SELECT * FROM "${schema}"."${table_name}"`));
  return asText(rows);
}

export async function mysqlRawText(prefix: string): Promise<string> {
  const tables = await mysqlSql<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables
     WHERE table_schema = DATABASE() AND table_name LIKE ?`,
    [`${prefix}%`],
  );
  const rows = [];
  for (const { t } of tables)
    rows.push(await mysqlSql(`SELECT * FROM \`${t}\``));
  return asText(rows);
}
