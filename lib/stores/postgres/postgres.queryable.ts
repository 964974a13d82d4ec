import type { Pool, QueryResultRow } from 'pg';

/**
 * The one seam through which the PostgreSQL store runs SQL: a statement and its parameters in,
 * rows out. Built over a pool here; a client inside the app's own transaction can be passed
 * through the same shape.
 */
export type Queryable = <R extends QueryResultRow = QueryResultRow>(
  statement: Statement,
  values: unknown[],
) => Promise<{ rows: R[]; rowCount: number | null }>;

/** A statement: its text, and a name to prepare it once per connection under. */
export interface Statement {
  name: string;
  text: string;
}

/** int8 (bigint: times in ms, counts) read as numbers; other types as the driver reads them. */
const INT8_OID = 20;

type TypeParsers = typeof import('pg').types;

/**
 * Times are kept as bigint, in whole milliseconds: a fractional time (an engine following the
 * server's clock adds a measured offset) is rounded, so bigint accepts it and every statement of
 * one write sees the same value.
 */
export const wholeMs = (value: unknown): unknown =>
  typeof value === 'number' && Number.isFinite(value)
    ? Math.round(value)
    : Array.isArray(value)
      ? value.map(wholeMs)
      : value;

/** SQLSTATEs a statement may be retried after: serialization failure and deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRIES = 5;

/**
 * Runs statements through `pool`, each in its own implicit transaction, retrying those PostgreSQL
 * aborted as a serialization failure or a deadlock (nothing of them was applied).
 */
export function poolQueryable(pool: Pool, types: TypeParsers): Queryable {
  const getTypeParser = (oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (types.getTypeParser as (oid: number, format?: string) => unknown)(
          oid,
          format,
        );
  const parsers = {
    getTypeParser: getTypeParser as TypeParsers['getTypeParser'],
  };
  return async <R extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
  ) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await pool.query<R>({
          name: statement.name,
          text: statement.text,
          values: values.map(wholeMs),
          types: parsers,
        });
        return { rows: result.rows, rowCount: result.rowCount };
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (
          attempt >= MAX_TRIES ||
          typeof code !== 'string' ||
          !RETRYABLE.has(code)
        ) {
          throw error;
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.random() * 10 * attempt),
        );
      }
    }
  };
}
