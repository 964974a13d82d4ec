import { createHash } from 'node:crypto';
import type { BatchLimits } from '../write-batcher';
import { mysqlErrno } from './mysql.retry';

/**
 * Server errors after which the statement's outcome is unknown: the server shutting down
 * (1053), a connection aborted or killed (1152, 1927), MySQL 8's idle disconnect (4031).
 */
const OUTCOME_UNKNOWN = new Set([1053, 1152, 1927, 4031]);

/**
 * Whether the server refused the statement with an error of its own (ER_* numbers: 1000-1999,
 * 3000-4999), so that nothing of it was kept: not a client or connection error (2000s, the
 * socket's negative numbers, none at all), after which it may have committed.
 */
export function refusedByServer(error: unknown): boolean {
  const errno = mysqlErrno(error);
  if (errno === undefined || OUTCOME_UNKNOWN.has(errno)) return false;
  if ((error as { fatal?: unknown } | null)?.fatal === true) return false;
  return (errno >= 1000 && errno < 2000) || (errno >= 3000 && errno < 5000);
}

/**
 * MySQL's batches (`WriteBatcher`): one `CALL` holds 200 writes at most, and their text 1 MB at
 * most (well under max_allowed_packet).
 */
export const MYSQL_BATCHES: BatchLimits = {
  maxWrites: 200,
  maxChars: 1_000_000,
  refusedByServer,
};

/** The key the server gives a workflow (SHA-256 of its id), as hex: the order rows lock in. */
const keyHex = (id: string): string =>
  createHash('sha256').update(id, 'utf8').digest('hex');

/**
 * Sends `inputs` ordered by their workflow's key (so two batches lock rows in one order, not
 * into a deadlock), through `send`, which answers a digit per input in the order sent (`0`: not
 * held, refused); the answers come back in the order of `inputs`.
 */
export async function inKeyOrder<In extends { id: string }>(
  inputs: In[],
  send: (ordered: In[]) => Promise<string>,
): Promise<boolean[]> {
  const keyed = inputs.map((input, at) => ({ at, key: keyHex(input.id) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const held = await send(keyed.map(({ at }) => inputs[at]));
  const answers = new Array<boolean>(inputs.length);
  keyed.forEach(
    ({ at }, i) => (answers[at] = held[i] !== undefined && held[i] !== '0'),
  );
  return answers;
}
