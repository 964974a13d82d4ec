import type { ClaimOptions } from '../persistence';
import type { SchemaConnection } from './postgres.migrate';
import { wholeMs } from './postgres.queryable';
import type { StepTuple } from './postgres.rows';
import type { SignalTuple } from './postgres.signals';
import {
  claimSql,
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
): Promise<ClaimedRow[]> {
  const text = claimSql(schema, {
    oldest: options.oldestFirst === true,
    limited: true,
  });
  let claimed: ClaimedRow[] = [];
  await transaction(async (query) => {
    await query(flowLockSql, [schema]);
    const { rows } = await query(
      text,
      [...values, limitsParam(options), scanSize(values[3] as number)].map(
        wholeMs,
      ),
    );
    claimed = rows as unknown as ClaimedRow[];
  });
  return claimed;
}
