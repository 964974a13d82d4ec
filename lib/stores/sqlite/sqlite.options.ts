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
