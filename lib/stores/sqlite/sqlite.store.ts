import type { ActivityBucket, ActivityQuery } from '../../model';
import { resolve } from 'node:path';
import type { WorkflowCounts, WorkflowStatus } from '../../model';
import {
  type ClaimOptions,
  type CancelRecord,
  type CompensationStatusChange,
  type ClaimedWorkflow,
  type FailureRecord,
  type FinishRecord,
  type LeaseRelease,
  type NewSignal,
  type SignalDelivery,
  type StepOutcome,
  type Lease,
  type NewWorkflow,
  noCounts,
  type Persistence,
  type SeenLease,
  type StoredStep,
  type StoredWorkflow,
  type WorkflowPurge,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
  type LeasedCount,
} from '../persistence';
import { claimInTransaction, leasesEndingBy } from './sqlite.claims';
import { SqliteConnection } from './sqlite.connection';
import { GroupCommit } from './sqlite.group-commit';
import {
  type StepRow,
  toStoredStep,
  toSummary,
  type WorkflowRow,
} from './sqlite.rows';
import {
  SQLITE_DEFAULTS,
  type SqliteStoreOptions,
  validateSqliteOptions,
} from './sqlite.options';
import { SqliteSchedules } from './sqlite.schedules';
import type { SqliteStatements } from './sqlite.statements';
import { parentField, parentParam } from './sqlite.children';
import { traceContextOf } from './sqlite.trace-context';
import { insertStepIn, letGoBy, recordStepIn } from './sqlite.step-write';

/**
 * Workflows in an embedded SQLite file (better-sqlite3, WAL). The zero-setup default: development,
 * the sample app, single-machine deployments. Several processes on one machine can share the
 * file: every write takes SQLite's write lock up front, and each claim is one transaction.
 */
export class SqliteStore implements Persistence {
  /** SQLite's longest string (SQLITE_MAX_LENGTH as better-sqlite3 compiles it): 1e9 bytes. */
  readonly maxValueBytes = 1_000_000_000;
  readonly path: string;
  private readonly connection: SqliteConnection;
  private readonly commits: GroupCommit;
  /** Schedules (sqlite.schedules.ts), on this connection and its write queue. */
  readonly schedules: SqliteSchedules;
  readonly stepKeepsLease = true;
  readonly finishTakesStep = true;
  readonly flowControl = true;
  readonly keyedRateLimits = true;

  /** Throws `InvalidOptionsError` for an option it cannot work with. */
  constructor(options: SqliteStoreOptions = {}) {
    const valid = validateSqliteOptions(options);
    this.path = resolve(valid.path ?? SQLITE_DEFAULTS.path);
    this.connection = new SqliteConnection(this.path, valid, this.describe());
    this.commits = new GroupCommit(
      () => this.connection.use().db,
      (error) => this.connection.failed(error),
      valid.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs,
    );
    this.schedules = new SqliteSchedules(
      {
        read: (work) => this.run(() => work(this.connection.use().db)),
        write: (work) => this.write(() => work(this.connection.current().db)),
      },
      valid.tablePrefix ?? SQLITE_DEFAULTS.tablePrefix,
    );
  }

  describe(): string {
    return `SQLite file ${this.path}`;
  }

  init(): Promise<void> {
    try {
      this.connection.open();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  }

  close(): Promise<void> {
    // Writes already asked for are committed (or refused) before the file is closed.
    this.commits.flush();
    this.connection.close();
    return Promise.resolve();
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.write((sql) => {
      const { changes } = sql.insertWorkflow.run(
        workflow.id,
        workflow.name,
        lease ? 'running' : 'idle',
        workflow.input,
        lease ? 1 : 0, // attempts
        lease ? lease.until : workflow.now, // ready_at
        lease?.token ?? null,
        workflow.now, // created_at
        workflow.now, // updated_at
        workflow.version ?? 1,
        workflow.priority ?? 0,
        workflow.concurrencyKey ?? null,
        lease ? workflow.now : null, // first_claimed_at
        workflow.deadlineAt ?? null,
        workflow.traceContext ?? null,
        parentParam(workflow.parent),
      );
      return changes === 1;
    });
  }

  claimReady(
    now: number,
    leases: Lease[],
    takeOver?: SeenLease[],
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    return this.write((sql) =>
      sql.transaction(() =>
        claimInTransaction(sql, now, leases, takeOver, options),
      ),
    );
  }

  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return this.run((sql) => sql.flow.leasedOf(names));
  }

  listLeases(endingBy: number, limit: number): Promise<SeenLease[]> {
    return this.run((sql) => leasesEndingBy(sql, endingBy, limit));
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.write(
      (sql) =>
        sql.renewLease.run({
          id: workflowId,
          lease_token: lease.token,
          ready_at: lease.until,
        }).changes === 1,
    );
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    // A release runs in a savepoint of its own, so that it never lets go without its step. A
    // step that keeps the lease does not (a savepoint is two more statements, about 2 µs per
    // step): should its insert fail, the write is reported failed with the lease only moved
    // later, as a renewal would, and the step is written again or run again, as after any
    // failed write.
    return this.write((sql) =>
      next.release
        ? sql.transaction(() =>
            recordStepIn(sql, workflowId, leaseToken, step, next),
          )
        : recordStepIn(sql, workflowId, leaseToken, step, next),
    );
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const { wait } = release;
    return this.write(
      (sql) =>
        (wait
          ? sql.signals.release(workflowId, leaseToken, { ...release, wait })
          : sql.advanceReleasing.run(
              release.readyAt,
              release.now,
              workflowId,
              leaseToken,
            ).changes === 1) ||
        letGoBy(sql, workflowId, leaseToken)?.status === 'running',
    );
  }

  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    return this.write((sql) => sql.transaction(() => sql.signals.send(signal)));
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    const finishIn = (sql: SqliteStatements): boolean => {
      const { changes } = sql.finish.run(
        finish.result,
        finish.now,
        finish.now,
        workflowId,
        leaseToken,
      );
      if (changes === 1 && finish.step)
        insertStepIn(sql, workflowId, finish.step);
      return changes === 1;
    };
    return this.write(
      (sql) =>
        // With its last step, in a savepoint of its own: both or neither.
        (finish.step ? sql.transaction(() => finishIn(sql)) : finishIn(sql)) ||
        letGoBy(sql, workflowId, leaseToken)?.status === 'finished',
    );
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    return this.write((sql) => {
      const row = sql.fail.get({
        id: workflowId,
        lease_token: leaseToken,
        error: JSON.stringify(failure.error),
        retry_at: failure.retryAt,
        max_failures: failure.maxFailures,
        abort: failure.abort ? 1 : 0,
        now: failure.now,
      }) as Pick<WorkflowRow, 'status' | 'failures'> | undefined;
      // Not applied: answered as an earlier, applied try of this very write was.
      const answer = row ?? letGoBy(sql, workflowId, leaseToken);
      return answer &&
        (answer.status === 'failed' || answer.status === 'aborted')
        ? { status: answer.status, failures: answer.failures }
        : undefined;
    });
  }

  hasForeignWrites(): boolean {
    return this.connection.hasForeignWrites();
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    return this.run((sql) =>
      sql.readTransaction(() => {
        const row = sql.selectWorkflow.get(workflowId) as
          WorkflowRow | undefined;
        if (!row) return undefined;
        const steps = sql.selectSteps.all(workflowId) as StepRow[];
        return {
          ...toSummary(row),
          input: row.input,
          result: row.result ?? undefined,
          leaseToken: row.lease_token ?? undefined,
          ...(row.first_claimed_at != null && {
            firstClaimedAt: row.first_claimed_at,
          }),
          steps: steps.map(toStoredStep),
          signals: sql.signals.of(workflowId),
          deadlineAt: row.deadline_at ?? undefined,
          ...traceContextOf(row),
          ...parentField(row.parent),
        };
      }),
    );
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    return this.run((sql) => {
      const statement = sql.list({
        status: query.status !== undefined,
        name: query.name !== undefined,
        after: query.after !== undefined,
        version: query.version !== undefined,
        waiting: query.waiting !== undefined,
        priority: query.priority !== undefined,
        concurrencyKey: query.concurrencyKey !== undefined,
      });
      const rows = statement.all({
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.name !== undefined ? { name: query.name } : {}),
        ...(query.version !== undefined ? { version: query.version } : {}),
        ...(query.waiting !== undefined ? { waiting: query.waiting } : {}),
        ...(query.priority !== undefined ? { priority: query.priority } : {}),
        ...(query.concurrencyKey !== undefined
          ? { concurrency_key: query.concurrencyKey }
          : {}),
        ...(query.after
          ? {
              after_created_at: query.after.createdAt,
              after_id: query.after.id,
            }
          : {}),
        limit: query.limit,
      }) as WorkflowRow[];
      return rows.map(toSummary);
    });
  }

  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return this.run((sql) => sql.activity.read(query));
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    return this.run((sql) => {
      const rows = (
        filter.name === undefined
          ? sql.countByStatus.all()
          : sql.countByStatusOfName.all(filter.name)
      ) as { status: WorkflowStatus; n: number }[];
      const counts = noCounts();
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    });
  }

  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const error = cancel.reason ? JSON.stringify(cancel.reason) : null;
    return this.write((sql) =>
      sql.transaction(() => {
        if (cancel.compensate && sql.compensation.cancel(workflowId, now))
          return true;
        sql.cancel.run({ id: workflowId, now, error });
        const row = sql.selectStatus.get(workflowId) as
          Pick<WorkflowRow, 'status'> | undefined;
        return row && row.status === 'cancelled';
      }),
    );
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    return this.write((sql) =>
      sql.transaction(() => {
        if (sql.retry.run({ id: workflowId, now }).changes === 1) return true;
        return sql.selectStatus.get(workflowId) === undefined
          ? undefined
          : false;
      }),
    );
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.write((sql) =>
      sql.transaction(() =>
        sql.compensation.record(workflowId, leaseToken, change),
      ),
    );
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.write((sql) =>
      sql.transaction(() => sql.retention.delete(workflowId)),
    );
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.write((sql) =>
      sql.transaction(() => sql.retention.purge(purge)),
    );
  }

  /** Runs a synchronous read, turning its exceptions into rejections. */
  private run<T>(work: (sql: SqliteStatements) => T): Promise<T> {
    try {
      return Promise.resolve(work(this.connection.use().sql));
    } catch (error) {
      return Promise.reject(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  }

  /** Runs a write with the next group commit; it settles once that commit is durable. */
  private write<T>(work: (sql: SqliteStatements) => T): Promise<T> {
    if (!this.connection.isOpen) {
      return Promise.reject(new Error(this.connection.notOpen()));
    }
    return this.commits.submit(() => work(this.connection.current().sql));
  }
}
