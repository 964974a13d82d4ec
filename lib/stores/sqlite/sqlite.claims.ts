import type {
  ClaimOptions,
  ClaimedWorkflow,
  Lease,
  SeenLease,
} from '../persistence';
import { type StepRow, toStoredStep, type WorkflowRow } from './sqlite.rows';
import type { SqliteStatements } from './sqlite.statements';
import { versionsParam } from './sqlite.versions';

type ClaimedRow = Pick<WorkflowRow, 'id' | 'name' | 'input' | 'version'>;

/**
 * A claim, inside the caller's write transaction: the ready workflows, oldest first. With
 * `takeOver`, a leased workflow is taken only if it is listed there and still holds exactly that
 * lease; those are taken first, then workflows that are not leased.
 */
export function claimInTransaction(
  sql: SqliteStatements,
  now: number,
  leases: Lease[],
  takeOver: readonly SeenLease[] | undefined,
  options?: ClaimOptions,
): ClaimedWorkflow[] {
  const claimed: ClaimedWorkflow[] = [];
  const versions = versionsParam(options);
  const take = (row: ClaimedRow | undefined, lease: Lease): boolean => {
    if (!row) return false;
    const steps = sql.selectSteps.all(row.id) as StepRow[];
    claimed.push({
      id: row.id,
      name: row.name,
      input: row.input,
      leaseToken: lease.token,
      version: row.version,
      steps: steps.map(toStoredStep),
      signals: sql.signals.of(row.id),
    });
    return true;
  };
  const claiming = (lease: Lease) => ({
    now,
    lease_token: lease.token,
    lease_until: lease.until,
    versions,
  });
  for (const seen of takeOver ?? []) {
    const lease = leases[claimed.length];
    if (!lease) return claimed;
    take(
      sql.takeOverLease.get({
        ...claiming(lease),
        id: seen.workflowId,
        seen_token: seen.leaseToken,
        seen_until: seen.until,
      }) as ClaimedRow | undefined,
      lease,
    );
  }
  const next = takeOver ? sql.claimNextUnleased : sql.claimNextReady;
  while (claimed.length < leases.length) {
    const lease = leases[claimed.length];
    if (!take(next.get(claiming(lease)) as ClaimedRow | undefined, lease))
      break;
  }
  return claimed;
}

/** The leased workflows whose lease ends at or before `endingBy`, soonest first. */
export function leasesEndingBy(
  sql: SqliteStatements,
  endingBy: number,
  limit: number,
): SeenLease[] {
  const rows = sql.selectLeasesEndingBy.all({
    ending_by: endingBy,
    limit,
  }) as Pick<WorkflowRow, 'id' | 'lease_token' | 'ready_at'>[];
  return rows.map((row) => ({
    workflowId: row.id,
    leaseToken: row.lease_token!,
    until: row.ready_at!,
  }));
}
