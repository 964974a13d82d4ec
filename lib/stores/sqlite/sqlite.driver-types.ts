/**
 * better-sqlite3's typings, for the SQLite store's files to import. They are `export =`
 * typings: a default import of them needs `esModuleInterop` in every app whose compiler reads
 * our declaration files (`skipLibCheck: false`), so they are imported here the CommonJS way,
 * which compiles under any settings. Types only: the driver itself is loaded when a store opens.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
import type BetterSqlite3 = require('better-sqlite3');

export type { BetterSqlite3 };
