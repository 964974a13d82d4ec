import type { BatchLimits } from '../write-batcher';
import { sqlState } from './postgres.queryable';

/**
 * Whether the server refused the statement (a SQLSTATE), so that none of it was applied: not a
 * lost connection (no SQLSTATE, class 08) nor a server shutting down (57P01-57P05), after which
 * the statement may have committed with its answer lost.
 */
export function rejectedByServer(error: unknown): boolean {
  const code = sqlState(error);
  return (
    code !== undefined && !code.startsWith('08') && !code.startsWith('57P')
  );
}

/** PostgreSQL's batches (`WriteBatcher`): up to 500 rows in one statement over arrays. */
export const POSTGRES_BATCHES: BatchLimits = {
  maxWrites: 500,
  refusedByServer: rejectedByServer,
};
