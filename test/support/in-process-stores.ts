import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';

/**
 * The in-process stores an engine spec runs its cases on, by label: the memory store, and SQLite
 * on a new file in `dir` for each store made (the spec removes `dir` after its tests).
 */
export function inProcessStores(dir: {
  path: string;
}): [string, () => Persistence][] {
  let files = 0;
  return [
    ['memory', () => new MemoryStore()],
    [
      'sqlite',
      () => new SqliteStore({ path: join(dir.path, `${++files}.sqlite`) }),
    ],
  ];
}
