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
 * The SQLSTATE of a failed statement, where the driver or ORM put it: `code` (pg, and Kysely,
 * which runs on pg), or inside the error Prisma wraps it in (`meta.code`, or its driver
 * adapter's `cause`). Not a socket's error code that looks like one (`EPIPE`, `EPERM`: Node's
 * system errors carry the `syscall` that failed), which is a lost connection's, not a refusal.
 */
export function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const value = next as Record<string, unknown>;
    const code = ownSqlState(value);
    if (code !== undefined) return code;
    queue.push(value.meta, value.cause, value.driverAdapterError);
  }
  return undefined;
}

/** A SQLSTATE in `code` or `originalCode`, never on Node's system errors (they name a `syscall`). */
function ownSqlState(value: Record<string, unknown>): string | undefined {
  if (typeof value.syscall === 'string') return undefined;
  return [value.code, value.originalCode].find(
    (code): code is string =>
      typeof code === 'string' &&
      /^[0-9A-Z]{5}$/.test(code) &&
      !/^P\d/.test(code),
  );
}

/**
 * `run`, retrying a statement PostgreSQL aborted as a serialization failure or a deadlock:
 * nothing of it was applied, and the next try sees the other transaction's outcome. Through the
 * store's pool and through an ORM alike, so that neither reaches a workflow as its failure.
 */
export function retrying(run: Queryable): Queryable {
  return async (statement, values) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(statement, values);
      } catch (error) {
        const code = sqlState(error);
        if (
          attempt >= MAX_TRIES ||
          code === undefined ||
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
  return retrying(
    async <R extends QueryResultRow>(
      statement: Statement,
      values: unknown[],
    ) => {
      const result = await pool.query<R>({
        name: statement.name,
        text: statement.text,
        values: values.map(wholeMs),
        types: parsers,
      });
      return { rows: result.rows, rowCount: result.rowCount };
    },
  );
}
