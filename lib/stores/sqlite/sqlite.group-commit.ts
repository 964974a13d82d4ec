import type { BetterSqlite3 } from './sqlite.driver-types';
import { SQLITE_DEFAULTS } from './sqlite.options';
import { LOCK_SPIN_MS, takeWriteLock } from './sqlite.write-lock';

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit: the writes that become ready in one turn of the event loop (the steps of many
 * runs finishing together) share one transaction, so one durable commit (one fsync) serves them
 * all. Each write still succeeds or fails alone: a write of several statements runs in its own
 * savepoint (better-sqlite3 turns a transaction inside a transaction into one) and a single
 * statement is atomic by itself, so a write that throws leaves nothing behind and the others are
 * kept. No write is reported done before the commit that holds it is durable. If the commit
 * fails, or an error makes SQLite abandon the whole transaction, every write in it is reported
 * failed, and none of them happened. While another process holds the write lock, the batch waits
 * for it (sqlite.write-lock.ts) in turns of at most 20 ms with the event loop free between them,
 * up to the busy timeout, and only then fails; writes asked for meanwhile join it.
 */
export class GroupCommit {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private retry?: NodeJS.Timeout;
  /** When the queued batch first found the write lock taken (performance.now()). */
  private busySince?: number;

  constructor(
    private readonly database: () => BetterSqlite3.Database,
    /** What a write that failed is rejected with, given what was thrown. */
    private readonly failed: (error: unknown) => Error = asError,
    /** How long a batch waits for another process's write lock before it fails. */
    private readonly busyTimeoutMs: number = SQLITE_DEFAULTS.busyTimeoutMs,
  ) {}

  /** Queues a synchronous write; it runs, and settles, with the next commit. */
  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit(true));
      }
    });
  }

  /** Commits what is queued now, waiting for the write lock if it must. Called before closing. */
  flush(): void {
    this.commit(false);
  }

  /** `yieldWhenBusy`: lets the event loop run while the lock is taken, and tries again soon. */
  private commit(yieldWhenBusy: boolean): void {
    this.scheduled = false;
    clearTimeout(this.retry);
    this.retry = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let db: BetterSqlite3.Database;
    const outcomes: { value?: unknown; error?: Error }[] = [];
    try {
      db = this.database();
      const since = this.busySince ?? performance.now();
      const left = Math.max(0, since + this.busyTimeoutMs - performance.now());
      const busy = takeWriteLock(
        db,
        yieldWhenBusy ? Math.min(LOCK_SPIN_MS, left) : left,
        this.busyTimeoutMs,
      );
      if (busy && yieldWhenBusy && left > LOCK_SPIN_MS) {
        // Nothing ran: the batch (and what joins it) tries again after a turn of the loop.
        this.busySince = since;
        this.queue = batch.concat(this.queue);
        this.scheduled = true;
        this.retry = setTimeout(() => this.commit(true), 1);
        return;
      }
      this.busySince = undefined;
      if (busy) throw busy;
    } catch (error) {
      this.busySince = undefined;
      for (const write of batch) write.reject(this.failed(error));
      return;
    }
    for (const write of batch) {
      try {
        outcomes.push({ value: write.work() });
      } catch (error) {
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): the writes
          // before this one are gone, and the ones after it must not run outside a transaction.
          for (const each of batch) each.reject(this.failed(error));
          return;
        }
        outcomes.push({ error: this.failed(error) });
      }
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const write of batch) write.reject(this.failed(error));
      return;
    }
    batch.forEach((write, i) => {
      const { value, error } = outcomes[i];
      if (error) write.reject(error);
      else write.resolve(value);
    });
  }
}

/**
 * The error as thrown when it is one. better-sqlite3's errors may come from another realm (its
 * native part keeps the first error class it was given, per process), so `instanceof Error`
 * alone would turn them into new Errors without their `code`.
 */
export const asError = (error: unknown): Error =>
  error instanceof Error ||
  (typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string')
    ? (error as Error)
    : new Error(String(error));
