/*
 * The indexes `list({ priority })` and `list({ concurrencyKey })` read, in list order (newest
 * first, then by id, which the cursor continues). A step write sets none of their columns, so
 * it writes none of them; a start writes each once, a status change the status one.
 */

/**
 * The index of keyed workflows, which a list by key names (`INDEXED BY`): without statistics
 * SQLite would as soon walk every workflow of the priority given with it.
 */
export const keyListIndex = (workflows: string): string =>
  `${workflows}_key_newest`;

export const sqliteListIndexes = (prefix: string): string => `
-- list({ priority }), alone or with the name, version or waiting filter (checked along the way).
CREATE INDEX IF NOT EXISTS ${prefix}workflows_priority_newest
  ON ${prefix}workflows (priority, created_at, id);
-- list({ status, priority }), with or without the name filter.
CREATE INDEX IF NOT EXISTS ${prefix}workflows_status_priority
  ON ${prefix}workflows (status, priority, created_at, id);
-- list({ concurrencyKey }) with any other filter: one key's workflows are few. Keyed rows only.
CREATE INDEX IF NOT EXISTS ${keyListIndex(`${prefix}workflows`)}
  ON ${prefix}workflows (concurrency_key, created_at, id) WHERE concurrency_key IS NOT NULL;
`;
