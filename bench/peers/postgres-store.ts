import type { BenchStore } from '../stores';
import type { BenchPostgres } from './postgres-server';

/**
 * PLACE FOR OUR POSTGRESQL STORE. Our `PostgresStore` (`@lidex/nestjs/postgres`) on the bench's
 * PostgreSQL server, the one DBOS runs on: it joins every scenario of the suite (as `--stores=
 * postgres`) and the peers' rounds beside DBOS. Until the store is on main, it is skipped with a
 * line saying so.
 */
export function postgresBenchStore(
  _postgres: BenchPostgres,
): BenchStore | { skipped: string } {
  return {
    skipped:
      'our PostgreSQL store (@lidex/nestjs/postgres) is not in this build yet',
  };
}
