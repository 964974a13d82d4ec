import type { BetterSqlite3 } from './sqlite.driver-types';

/** How long one try waits, at most, before it lets the event loop run (ms). */
export const LOCK_SPIN_MS = 20;
/** The pause between two looks at the lock while another process holds it (ms). */
const LOOK_EVERY_MS = 0.1;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes the file's write lock (BEGIN IMMEDIATE), looking for it every 0.1 ms for at most `spinMs`
 * while another process holds it. SQLite's own busy handler looks at growing intervals (up to
 * 100 ms apart), so a waiter nearly never sees the short gaps between the commits of a process
 * that writes without a pause, and a purge beside busy claims waited for seconds per batch and
 * then failed. `undefined` once taken; SQLite's busy error when the lock stayed taken for all of
 * `spinMs` (the caller lets the event loop run and tries again, or gives up). The connection's
 * busy timeout is `busyTimeoutMs` again afterwards.
 */
export function takeWriteLock(
  db: BetterSqlite3.Database,
  spinMs: number,
  busyTimeoutMs: number,
): Error | undefined {
  db.pragma('busy_timeout = 0');
  try {
    const until = performance.now() + spinMs;
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        return undefined;
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (performance.now() >= until) return error as Error;
      }
      Atomics.wait(sleeper, 0, 0, LOOK_EVERY_MS);
    }
  } finally {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
export const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};
