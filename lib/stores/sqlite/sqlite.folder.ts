import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { messages } from '../../lidex.messages';

/**
 * Creates `folder` and its missing parents, one level at a time, from the nearest one that
 * exists. Not `mkdirSync(folder, { recursive: true })`: for a parent that refuses new entries
 * without saying it exists (`/proc/x`), Node's recursive mkdir retries forever at full CPU.
 * Throws an Error saying which folder cannot be created and why.
 */
export function ensureFolder(folder: string): void {
  const missing: string[] = [];
  let level = folder;
  for (;;) {
    const found = statSync(level, { throwIfNoEntry: false });
    if (found) {
      if (!found.isDirectory())
        throw new Error(
          messages.sqliteFolderNotCreated(folder, `${level} is not a folder`),
        );
      break;
    }
    missing.unshift(level);
    const parent = dirname(level);
    if (parent === level) break; // a root that does not exist: mkdir below says why
    level = parent;
  }
  for (const each of missing) {
    try {
      mkdirSync(each);
    } catch (error) {
      // Another process opening the same store made it first.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(
        messages.sqliteFolderNotCreated(
          each,
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
  }
}
