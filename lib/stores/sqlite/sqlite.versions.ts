import type { ClaimOptions } from '../persistence';

/**
 * The claim's version rule, for the claim statements' WHERE: a workflow of a name the worker
 * lists in `@versions` (a JSON object of name to version) with a higher version is skipped.
 * The name is matched as data (`json_each`'s key), never made into a JSON path.
 */
export const SKIP_NEWER_VERSIONS = `NOT EXISTS (
  SELECT 1 FROM json_each(@versions) AS runs
  WHERE runs.key = name AND runs.value < version)`;

/** `@versions` for the claim statements: `{}` when the worker lists none. */
export function versionsParam(options: ClaimOptions | undefined): string {
  const versions = options?.versions;
  if (!versions || versions.size === 0) return '{}';
  return JSON.stringify(Object.fromEntries(versions));
}

/** The column, for files made before versions: every workflow in them is version 1. */
export const versionColumn = (prefix: string) => ({
  table: `${prefix}workflows`,
  column: 'version',
  definition: 'INTEGER NOT NULL DEFAULT 1',
});
