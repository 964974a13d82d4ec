import type { Queryable } from '../postgres.queryable';
import { wholeMs } from '../postgres.queryable';

/** One statement run through an app's ORM (or a `pg` client): its rows and, if known, the count. */
export type RawQuery = (
  text: string,
  values: unknown[],
) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;

/**
 * The store's statements through an ORM that does not hand out its `pg.Pool` (Kysely, Prisma):
 * `query` runs one statement on the ORM's pool, `transaction` runs several in one of its
 * transactions (the schema's migration).
 */
export interface OrmConnection {
  query: RawQuery;
  transaction(run: (query: RawQuery) => Promise<void>): Promise<void>;
}

/**
 * Columns the store reads as numbers: bigint in the tables, and counts. Through an ORM they come
 * back as the driver reads them (a string, or a BigInt with Prisma); a BigInt in any column is
 * one of them, since the store keeps no number beyond 2^53.
 */
const NUMERIC_COLUMNS = new Set([
  'failures',
  'attempts',
  'ready_at',
  'deadline_at',
  'first_claimed_at',
  'ended_at',
  'created_at',
  'updated_at',
  'last_tick_at',
  'wake_at',
  'started_at',
  'recorded_at',
  'sent_at',
  'seq',
  'version',
  'inserted',
  'now',
  'n',
]);

const toNumber = (value: unknown): unknown =>
  typeof value === 'bigint' || typeof value === 'string'
    ? Number(value)
    : value;

/** A row with its numeric columns as numbers, as the store's own pool reads them. */
export function normaliseRow(
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] =
      typeof value === 'bigint' || NUMERIC_COLUMNS.has(key)
        ? toNumber(value)
        : value;
  }
  return out;
}

/** The store's `Queryable` over an ORM's raw statements. */
export function ormQueryable(query: RawQuery): Queryable {
  return (async (statement, values) => {
    const result = await query(statement.text, values.map(wholeMs));
    return {
      rows: result.rows.map(normaliseRow),
      rowCount: result.rowCount,
    };
  }) as Queryable;
}

/** Whether a statement answers rows (a query, or a write with RETURNING). */
export function answersRows(text: string): boolean {
  return /^\s*(SELECT|WITH)\b/i.test(text) || /\bRETURNING\b/i.test(text);
}
