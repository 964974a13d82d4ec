import type { MysqlQuery } from './mysql.connection';

/** InnoDB's deadlock (1213) and lock wait timeout (1205): nothing of the statement was kept. */
const RETRYABLE = new Set([1213, 1205]);
const MAX_TRIES = 8;

/**
 * The server's error number, where the driver or ORM put it (`errno`, a cause, TypeORM's, or
 * Prisma's `meta.driverAdapterError.cause.originalCode`).
 */
export function mysqlErrno(error: unknown): number | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || seen.has(next)) continue;
    seen.add(next);
    const value = next as Record<string, unknown>;
    if (typeof value.errno === 'number') return value.errno;
    if (
      typeof value.originalCode === 'string' &&
      /^\d+$/.test(value.originalCode)
    )
      return Number(value.originalCode);
    queue.push(
      value.cause,
      value.driverError,
      value.meta,
      value.driverAdapterError,
    );
  }
  return undefined;
}

/**
 * `run`, retrying a statement InnoDB chose as a deadlock's victim or whose lock wait timed out:
 * the store's writes are single statements or procedures that roll their own transaction back
 * on an error, so nothing of the try was applied, and the next try sees the other transaction's
 * outcome. Never used inside the app's transaction (a deadlock there rolls back the app's work,
 * which is the app's to run again).
 */
export function retrying(run: MysqlQuery): MysqlQuery {
  return async (sql, values) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(sql, values);
      } catch (error) {
        const errno = mysqlErrno(error);
        if (
          attempt >= MAX_TRIES ||
          errno === undefined ||
          !RETRYABLE.has(errno)
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
