import type { Pool } from 'pg';
import type { ClaimOptions } from '../persistence';
import type { SchemaConnection } from './postgres.migrate';
import { wholeMs } from './postgres.queryable';
import type { StepTuple } from './postgres.rows';
import type { SignalTuple } from './postgres.signals';
import {
  claimSql,
  flowIdleLimitMs,
  flowLockSql,
  limitsParam,
  scanSize,
} from './postgres.flow-control';

/** A claimed row as the claim statements answer it. */
export interface ClaimedRow {
  id: string;
  name: string;
  input: string;
  version: number;
  deadline_at: number | null;
  trace_context?: string | null;
  parent?: string | null;
  token: string;
  steps: StepTuple[] | null;
  signals: SignalTuple[] | null;
}

/**
 * A claim with flow limits: in one transaction, the schema's flow lock, then the claim that
 * counts leases and first claims and takes only what stays within the limits (see
 * `postgres.flow-control.ts` for why the lock comes first). `values` are the claim's $1..$5.
 */
export async function claimLimited(
  transaction: SchemaConnection['transaction'],
  schema: string,
  values: unknown[],
  options: ClaimOptions,
  pool?: Pool,
): Promise<ClaimedRow[]> {
  const oldest = options.oldestFirst === true;
  const text = claimSql(schema, { oldest, limited: true });
  const params = [
    ...values,
    limitsParam(options),
    scanSize(values[3] as number),
  ].map(wholeMs);
  const idleMs = flowIdleLimitMs(
    values[0] as number,
    (values[2] as number[])[0],
  );
  if (pool)
    return asNumbers(
      await claimOnPool(pool, schema, oldest, text, params, idleMs),
    );
  let claimed: ClaimedRow[] = [];
  await transaction(async (query) => {
    await query(flowLockSql, [schema, String(idleMs)]);
    const { rows } = await query(text, params);
    claimed = rows as unknown as ClaimedRow[];
  });
  return asNumbers(claimed);
}

/** Bigints as numbers, as the store's own statements read them (these run outside them). */
const asNumbers = (rows: ClaimedRow[]): ClaimedRow[] =>
  rows.map((row) => ({
    ...row,
    deadline_at: row.deadline_at === null ? null : Number(row.deadline_at),
  }));

/**
 * The same on the store's own pool, in three round trips: BEGIN with the idle limit and the
 * lock (one simple query), the claim (prepared once per connection), COMMIT.
 */
async function claimOnPool(
  pool: Pool,
  schema: string,
  oldest: boolean,
  text: string,
  params: unknown[],
  idleMs: number,
): Promise<ClaimedRow[]> {
  const client = await pool.connect();
  // The session may be ended by the server while this claim holds it (the idle limit, after a
  // freeze): its error goes to the claim, not to an 'error' event no one listens to here.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  try {
    const key = `lidex flow ${schema}`.replace(/'/g, "''");
    await client.query(
      `BEGIN; SELECT set_config('idle_in_transaction_session_timeout', '${Math.round(idleMs)}', true), ` +
        `pg_advisory_xact_lock(hashtextextended('${key}', 0))`,
    );
    const { rows } = await client.query<ClaimedRow>({
      name: `lidex_${schema}_claim_limited${oldest ? '_oldest' : ''}`,
      text,
      values: params,
    });
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    lost ??= error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    // A failed claim's connection is closed rather than handed to the next query.
    client.release(lost);
  }
}
