import type { Pool } from 'pg';
import type { ClaimedWorkflow, ClaimOptions, Lease } from '../persistence';
import { parentField } from './postgres.children';
import { claimLimited, type ClaimedRow } from './postgres.flow-claims';
import type { SchemaConnection } from './postgres.migrate';
import type { Queryable } from './postgres.queryable';
import { toStoredSteps } from './postgres.rows';
import { toStoredSignals } from './postgres.signals';
import type { PostgresStatements } from './postgres.statements';
import { traceContextOf } from './postgres.trace-context';
import { versionsParam } from './postgres.versions';

/**
 * The PostgreSQL store's claim: one statement (`FOR UPDATE SKIP LOCKED`, oldest ready first) that
 * returns the steps a replay needs; with flow limits, a transaction (`postgres.flow-claims.ts`).
 */
export class PostgresClaims {
  constructor(
    private readonly query: Queryable,
    private readonly transaction: SchemaConnection['transaction'],
    private readonly sql: PostgresStatements,
    private readonly schema: string,
  ) {}

  /** `pool`: the pool the store opened from `url`, if any, which a limited claim runs on. */
  async claimReady(
    now: number,
    leases: Lease[],
    options: ClaimOptions | undefined,
    pool: Pool | undefined,
  ): Promise<ClaimedWorkflow[]> {
    if (leases.length === 0) return [];
    const values = [
      now,
      leases.map((lease) => lease.token),
      leases.map((lease) => lease.until),
      leases.length,
      versionsParam(options),
    ];
    const rows =
      options?.limits && options.limits.size > 0
        ? await claimLimited(
            this.transaction,
            this.schema,
            values,
            options,
            pool,
          )
        : (
            await this.query<ClaimedRow>(
              options?.oldestFirst ? this.sql.claimOldest : this.sql.claim,
              values,
            )
          ).rows;
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      input: row.input,
      leaseToken: row.token,
      version: row.version,
      steps: toStoredSteps(row.steps),
      signals: toStoredSignals(row.signals),
      deadlineAt: row.deadline_at ?? undefined,
      ...traceContextOf(row),
      ...parentField(row),
    }));
  }
}
