import { sqliteActivityIndexes } from './sqlite.activity';
import { type BigIntStats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BetterSqlite3 } from './sqlite.driver-types';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
import { ensureFolder } from './sqlite.folder';
import { asError } from './sqlite.group-commit';
import { SQLITE_DEFAULTS, type SqliteStoreOptions } from './sqlite.options';
import { addMissingColumns, sqliteSchema } from './sqlite.schema';
import { sqliteFlowIndexes } from './sqlite.flow-control';
import { sqliteListIndexes } from './sqlite.list-indexes';
import { sqliteSignalsIndexes } from './sqlite.signals';
import { migrateEnded } from './sqlite.ended';
import { SqliteStatements } from './sqlite.statements';

export interface Opened {
  db: BetterSqlite3.Database;
  sql: SqliteStatements;
}

type State =
  | { kind: 'closed' }
  | { kind: 'open'; opened: Opened; file: BigIntStats; dataVersion?: number }
  /** The connection turned out read-only: the next use opens a new one. */
  | { kind: 'reopen' }
  /** The file was deleted or replaced: every use fails with this error. */
  | { kind: 'stopped'; error: StoreUnavailableError };

/**
 * The store's connection to its file, and what it must notice about that file. A connection
 * that SQLite opened read-only stays read-only, so one that is refused a write is closed and
 * opened again at its next use. A file deleted or replaced while open is not written again:
 * SQLite would go on writing into the deleted file, which no other process reads.
 */
export class SqliteConnection {
  private state: State = { kind: 'closed' };

  constructor(
    private readonly path: string,
    private readonly options: SqliteStoreOptions,
    private readonly describe: string,
  ) {}

  get isOpen(): boolean {
    return this.state.kind !== 'closed';
  }

  /** Opens the file (or fails with a `StoreUnavailableError` saying why). */
  open(): void {
    if (this.state.kind === 'open') return;
    if (this.state.kind === 'stopped') throw this.state.error;
    this.state = this.connect();
  }

  /** The connection, once the file at the path is checked to be the one it has open. */
  use(): Opened {
    const state = this.state;
    switch (state.kind) {
      case 'closed':
        throw new Error(this.notOpen());
      case 'stopped':
        throw state.error;
      case 'reopen':
        this.state = this.connect();
        return this.use();
      case 'open': {
        // One stat: a few microseconds, against a commit's milliseconds.
        const now = statSync(this.path, {
          bigint: true,
          throwIfNoEntry: false,
        });
        if (!now) this.stop(messages.sqliteFileDeleted());
        if (now.ino !== state.file.ino || now.dev !== state.file.dev)
          this.stop(messages.sqliteFileReplaced());
        return state.opened;
      }
    }
  }

  /** The connection `use()` just checked, for the writes of one commit. */
  current(): Opened {
    if (this.state.kind !== 'open') throw new Error(this.notOpen());
    return this.state.opened;
  }

  /** What to report for a failed write; a connection refused as read-only is opened anew. */
  failed(error: unknown): Error {
    if (!isReadOnly(error)) return asError(error);
    if (this.state.kind === 'open') {
      closeQuietly(this.state.opened.db);
      this.state = { kind: 'reopen' };
    }
    return new StoreUnavailableError(this.describe, notWritable(error));
  }

  /** Whether another connection committed since the last call: a read of shared memory. */
  hasForeignWrites(): boolean {
    const state = this.state;
    if (state.kind !== 'open') return false;
    const version = state.opened.db.pragma('data_version', {
      simple: true,
    }) as number;
    const changed =
      state.dataVersion !== undefined && version !== state.dataVersion;
    state.dataVersion = version;
    return changed;
  }

  close(): void {
    // SQLite does not checkpoint into, nor delete the "-wal" of, a file that has moved.
    if (this.state.kind === 'open') this.state.opened.db.close();
    this.state = { kind: 'closed' };
  }

  notOpen(): string {
    return `${this.describe} is not open (call init() first)`;
  }

  private stop(why: string): never {
    if (this.state.kind === 'open') closeQuietly(this.state.opened.db);
    const error = new StoreUnavailableError(
      this.describe,
      new Error(why),
      'stopped',
    );
    this.state = { kind: 'stopped', error };
    throw error;
  }

  private connect(): Extract<State, { kind: 'open' }> {
    let db: BetterSqlite3.Database | undefined;
    try {
      const Database = loadDriver<typeof BetterSqlite3>(
        'better-sqlite3',
        'SQLite store',
      );
      ensureFolder(dirname(this.path));
      db = new Database(this.path);
      const file = statSync(this.path, { bigint: true });
      db.pragma('journal_mode = WAL');
      db.pragma(
        `synchronous = ${this.options.durability === 'normal' ? 'NORMAL' : 'FULL'}`,
      );
      db.pragma(
        `busy_timeout = ${this.options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs}`,
      );
      // The journals of savepoints and statements (every write of a group commit has one) in
      // memory, not in a temporary file: they only undo a write inside its transaction, a crash
      // is recovered from the WAL. In a file, each page a write touched was copied there: 24 of
      // the 28 write calls and 53 of the 61 KB written per 3-step workflow, and 20% of the
      // process's CPU per workflow (bench throughput, interleaved pairs).
      db.pragma('temp_store = MEMORY');
      const prefix = this.options.tablePrefix ?? SQLITE_DEFAULTS.tablePrefix;
      db.exec(sqliteSchema(prefix));
      addMissingColumns(db, prefix);
      db.exec(sqliteSignalsIndexes(prefix));
      db.exec(sqliteFlowIndexes(prefix));
      db.exec(sqliteListIndexes(prefix));
      db.exec(sqliteActivityIndexes(prefix));
      migrateEnded(db, prefix);
      checkWritable(db);
      return {
        kind: 'open',
        opened: { db, sql: new SqliteStatements(db, prefix) },
        file,
      };
    } catch (error) {
      if (db) closeQuietly(db);
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(
        this.describe,
        isReadOnly(error) || code(error) === 'SQLITE_CANTOPEN'
          ? notWritable(error)
          : error,
      );
    }
  }
}

/**
 * SQLite opens a file it may not write read-only without saying so, and reads (the schema
 * included) then work: only a write tells. This one changes nothing and is rolled back.
 */
function checkWritable(db: BetterSqlite3.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  try {
    db.exec(`BEGIN; PRAGMA user_version = ${version}; ROLLBACK`);
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    // Another process held the write lock for the whole busy timeout: the file is writable (a
    // read-only connection is refused this write before it waits for the lock).
    if (code(error)?.startsWith('SQLITE_BUSY')) return;
    throw error;
  }
}

const code = (error: unknown): string | undefined =>
  (error as { code?: unknown } | undefined)?.code?.toString();

const isReadOnly = (error: unknown): boolean =>
  code(error)?.startsWith('SQLITE_READONLY') === true;

function notWritable(error: unknown): Error {
  const user =
    typeof process.getuid === 'function'
      ? `uid ${process.getuid()}`
      : 'its user';
  return new Error(messages.sqliteNotWritable(user, asError(error).message), {
    cause: error,
  });
}

function closeQuietly(db: BetterSqlite3.Database): void {
  try {
    db.close();
  } catch {
    // Closing is best effort here: the connection is being given up because it failed.
  }
}
