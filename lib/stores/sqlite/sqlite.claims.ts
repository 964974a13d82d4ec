import type {
  ClaimOptions,
  ClaimedWorkflow,
  Lease,
  SeenLease,
} from '../persistence';
import { type StepRow, toStoredStep, type WorkflowRow } from './sqlite.rows';
import { parentField } from './sqlite.children';
import type { SqliteStatements } from './sqlite.statements';
import { versionsParam } from './sqlite.versions';
import { traceContextOf } from './sqlite.trace-context';

type ClaimedRow = Pick<
  WorkflowRow,
  | 'id'
  | 'name'
  | 'input'
  | 'version'
  | 'concurrency_key'
  | 'attempts'
  | 'deadline_at'
  | 'parent'
> & { trace_context: string | null };

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
  const gate = sql.flow.gate(options, now);
  const take = (
    row: ClaimedRow | undefined,
    lease: Lease,
    wasLeased = false,
  ): boolean => {
    if (!row) return false;
    gate.taken(row, wasLeased);
    const steps = sql.selectSteps.all(row.id) as StepRow[];
    claimed.push({
      id: row.id,
      name: row.name,
      input: row.input,
      leaseToken: lease.token,
      version: row.version,
      steps: steps.map(toStoredStep),
      signals: sql.signals.of(row.id),
      deadlineAt: row.deadline_at ?? undefined,
      ...traceContextOf(row),
      ...parentField(row.parent),
    });
    return true;
  };
  const claiming = (lease: Lease) => ({
    now,
    lease_token: lease.token,
    lease_until: lease.until,
    versions,
    ...gate.params(),
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
      true,
    );
  }
  /** Picks with `statement` and takes what it found: whether it found one. */
  const pick = (
    statement: typeof sql.claimPicked,
    lease: Lease,
    priority = 0,
  ): boolean => {
    const params = { ...claiming(lease), priority };
    const row = statement.get(params) as ClaimedRow | undefined;
    if (!row) return false;
    sql.claimPicked.run(lease.token, lease.until, now, now, row.id);
    // As the claim left it: one more attempt.
    return take({ ...row, attempts: row.attempts + 1 }, lease);
  };
  // A cancelled workflow's compensations take the next free slot, before those waiting.
  if (options?.limits?.size) {
    const compensating = takeOver
      ? sql.claimCompensatingUnleased
      : sql.claimCompensating;
    while (claimed.length < leases.length) {
      if (!pick(compensating, leases[claimed.length])) break;
    }
  }
  const oldest = options?.oldestFirst === true;
  const next = oldest
    ? takeOver
      ? sql.claimOldestUnleased
      : sql.claimOldestReady
    : takeOver
      ? sql.claimNextUnleased
      : sql.claimNextReady;
  // By priority: each priority present in turn, highest first, oldest first within it.
  let priority = oldest ? 0 : nextPriority(sql, Infinity);
  while (claimed.length < leases.length && priority !== undefined) {
    if (pick(next, leases[claimed.length], priority)) continue;
    if (oldest) break;
    priority = nextPriority(sql, priority);
  }
  return claimed;
}

/** The highest priority below `below` among workflows that can still run, if any. */
function nextPriority(
  sql: SqliteStatements,
  below: number,
): number | undefined {
  const row = sql.nextPriority.get({
    below: below === Infinity ? Number.MAX_SAFE_INTEGER : below,
  }) as { priority: number } | undefined;
  return row?.priority;
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
