import type { ClaimOptions } from '../persistence';

/**
 * The claim's version rule, for the claim's WHERE: a workflow of a name the worker lists in
 * `param` (a jsonb object of name to version) with a higher version is skipped. The name is
 * matched as data (a key of `jsonb_each_text`), never made into a JSON path.
 */
export const skipNewerVersions = (param: string): string => `NOT EXISTS (
  SELECT 1 FROM jsonb_each_text(${param}::jsonb) AS runs
  WHERE runs.key = name AND runs.value::integer < version)`;

/** The claim's versions parameter: `{}` when the worker lists none. */
export function versionsParam(options: ClaimOptions | undefined): string {
  const versions = options?.versions;
  if (!versions || versions.size === 0) return '{}';
  return JSON.stringify(Object.fromEntries(versions));
}

/** Migration 2: the version each workflow started on; those stored before it are version 1. */
export const versionMigration = (schema: string): string[] => [
  `ALTER TABLE "${schema}".workflows
    ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1`,
];
