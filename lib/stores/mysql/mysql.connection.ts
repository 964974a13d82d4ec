import type { Pool, PoolConnection } from 'mysql2/promise';

/** One row as the driver reads it. */
export type Row = Record<string, unknown>;

/**
 * What one statement answered: its result sets (a `SELECT` has one, a `CALL` one per `SELECT`
 * its procedure ran, a write none) and the rows it affected.
 */
export interface MysqlResult {
  sets: Row[][];
  affectedRows: number;
}

/** The one seam through which the MySQL store runs SQL: `?` placeholders, values in order. */
export type MysqlQuery = (
  sql: string,
  values?: unknown[],
) => Promise<MysqlResult>;

/** Where the store's statements go: a query, and a session of one connection (for locks). */
export interface MysqlSource {
  /** The pool the store opened from `url` (it ends it at close); none when it is the app's. */
  ownPool?: { end(): Promise<void> };
  query: MysqlQuery;
  /** Runs `body` on one connection held for its whole length (`GET_LOCK` is per session). */
  session<T>(body: (query: MysqlQuery) => Promise<T>): Promise<T>;
}

const isHeader = (value: unknown): value is { affectedRows?: unknown } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The driver's answer (mysql2's, or Kysely's rows) as result sets and affected rows. */
export function toResult(raw: unknown, affected?: number): MysqlResult {
  if (Array.isArray(raw)) {
    if (raw.some((set) => Array.isArray(set))) {
      const header: unknown = raw.find((part) => !Array.isArray(part));
      return {
        sets: raw.filter((set): set is Row[] => Array.isArray(set)),
        affectedRows:
          affected ?? Number(isHeader(header) ? (header.affectedRows ?? 0) : 0),
      };
    }
    return { sets: [raw as Row[]], affectedRows: affected ?? 0 };
  }
  return {
    sets: [],
    affectedRows:
      affected ?? Number(isHeader(raw) ? (raw.affectedRows ?? 0) : 0),
  };
}

/** Times are BIGINT whole milliseconds: a fractional time (a measured clock offset) is rounded. */
export const wholeMs = (value: unknown): unknown =>
  typeof value === 'number' &&
  Number.isFinite(value) &&
  !Number.isInteger(value)
    ? Math.round(value)
    : value === undefined
      ? null
      : value;

/** A `mysql2` promise pool, or the promise face of a callback one (TypeORM's, an app's). */
export function promisePool(pool: unknown): Pool | undefined {
  if (typeof pool !== 'object' || pool === null) return undefined;
  const candidate = pool as {
    promise?: () => Pool;
    getConnection?: unknown;
    query?: unknown;
  };
  // A callback pool has promise(); a promise pool's query returns a promise, and has none.
  if (typeof candidate.promise === 'function') return candidate.promise();
  if (
    typeof candidate.getConnection === 'function' &&
    typeof candidate.query === 'function'
  ) {
    return pool as Pool;
  }
  return undefined;
}

const runOn =
  (on: Pool | PoolConnection): MysqlQuery =>
  async (sql, values = []) => {
    const [raw] = await on.query(sql, values.map(wholeMs));
    return toResult(raw);
  };

/** Statements through a `mysql2` pool (the store's own, or the app's). */
export function poolSource(pool: Pool, own: boolean): MysqlSource {
  return {
    ownPool: own ? pool : undefined,
    query: runOn(pool),
    async session(body) {
      const connection = await pool.getConnection();
      try {
        return await body(runOn(connection));
      } finally {
        connection.release();
      }
    },
  };
}
