import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';

/** Options of the embedded SQLite store. */
export interface SqliteStoreOptions {
  /**
   * The database file. Created, with its folder, when missing. Several processes on one machine
   * may share it.
   * @default '.lidex/lidex.sqlite' (relative to the working directory)
   */
  path?: string;
  /**
   * `'full'`: every commit is on disk before Lidex moves on, so a recorded step survives a power
   * loss. `'normal'`: faster; a recorded step survives a crash of the process, but the last
   * commits may be lost if the machine loses power (SQLite WAL with `synchronous=NORMAL`).
   * @default 'full'
   */
  durability?: 'full' | 'normal';
  /**
   * How long a write waits for another process holding the file's write lock.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Prefix of the table names, to share a database file with other data.
   * @default 'lidex_'
   */
  tablePrefix?: string;
}

export const SQLITE_DEFAULTS = {
  path: '.lidex/lidex.sqlite',
  busyTimeoutMs: 5000,
  tablePrefix: 'lidex_',
} as const;

const KNOWN_OPTIONS = [
  'path',
  'durability',
  'busyTimeoutMs',
  'tablePrefix',
] as const satisfies readonly (keyof SqliteStoreOptions)[];

/** The largest timeout SQLite takes (a C int of milliseconds). */
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;

/** Table names begin with the prefix, so it must keep them plain identifiers. */
const TABLE_PREFIX = /^(?:[A-Za-z_][A-Za-z0-9_]{0,63})?$/;

/** Checks the options of `new SqliteStore(options)`; throws `InvalidOptionsError` at the first bad one. */
export function validateSqliteOptions(options: unknown): SqliteStoreOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidOptionsError(
      'SqliteStore',
      options,
      messages.sqliteOptionsNotObject(),
    );
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key))
      throw new InvalidOptionsError(
        `SqliteStore.${key}`,
        given[key],
        messages.sqliteUnknownOption(KNOWN_OPTIONS),
      );
  }
  const { path, durability, busyTimeoutMs, tablePrefix } = given;
  if (
    path !== undefined &&
    (typeof path !== 'string' || path === '' || path.includes('\0'))
  )
    throw new InvalidOptionsError(
      'SqliteStore.path',
      path,
      messages.sqlitePath(),
    );
  if (
    durability !== undefined &&
    durability !== 'full' &&
    durability !== 'normal'
  )
    throw new InvalidOptionsError(
      'SqliteStore.durability',
      durability,
      messages.sqliteDurability(),
    );
  if (
    busyTimeoutMs !== undefined &&
    (typeof busyTimeoutMs !== 'number' ||
      !Number.isInteger(busyTimeoutMs) ||
      busyTimeoutMs < 0 ||
      busyTimeoutMs > MAX_BUSY_TIMEOUT_MS)
  )
    throw new InvalidOptionsError(
      'SqliteStore.busyTimeoutMs',
      busyTimeoutMs,
      messages.sqliteBusyTimeout(MAX_BUSY_TIMEOUT_MS),
    );
  if (
    tablePrefix !== undefined &&
    (typeof tablePrefix !== 'string' || !TABLE_PREFIX.test(tablePrefix))
  )
    throw new InvalidOptionsError(
      'SqliteStore.tablePrefix',
      tablePrefix,
      messages.sqliteTablePrefix(),
    );
  return given;
}
