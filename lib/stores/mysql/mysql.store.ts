import type { WorkflowCounts, WorkflowStatus } from '../../model';
import type {
  CancelRecord,
  ClaimOptions,
  CompensationStatusChange,
  ClaimedWorkflow,
  FailureRecord,
  FinishRecord,
  Lease,
  LeasedCount,
  LeaseRelease,
  NewSignal,
  NewWorkflow,
  Persistence,
  SignalDelivery,
  StepOutcome,
  StoreContext,
  StoredStep,
  StoredWorkflow,
  WorkflowPurge,
  WorkflowQuery,
  WorkflowSummaryRecord,
} from '../persistence';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { mysqlActivity } from './mysql.activity';
import { batchedInserts } from './mysql.batch-inserts';
import { batchedWrites } from './mysql.batch-writes';
import { MysqlClaims } from './mysql.claims';
import { MysqlCompensation } from './mysql.compensation';
import type { MysqlQuery, MysqlSource } from './mysql.connection';
import { insertValues, insertWith } from './mysql.insert';
import { type MysqlNames, mysqlNames } from './mysql.names';
import { openMysql } from './mysql.open';
import { refusedByServer } from './mysql.batch';
import { unreachableUnlessRefused } from '../unreachable';
import { MysqlOperations } from './mysql.operations';
import {
  checkMysqlOptions,
  MYSQL_DEFAULTS,
  type MysqlStoreOptions,
  redactUrl,
} from './mysql.options';
import { MysqlReads } from './mysql.reads';
import { MysqlRunWrites } from './mysql.run-writes';
import { MysqlSchedules } from './mysql.schedules';
import { MysqlRetention } from './mysql.retention';
import { migrationScript } from './mysql.schema';
import { sendSignal } from './mysql.signals';
import { leasedCounts } from './mysql.slots';
import { sourceName, transactionQuery } from './mysql.source';

/**
 * Workflows in MySQL 8 or MariaDB 10.6+ (the `mysql2` driver), in tables of their own (a prefix)
 * in the app's database. Every write of a run is one statement: a `CALL` of a procedure that
 * locks the workflow's row, checks the lease token and writes, in one short transaction. A claim
 * is one `CALL` too (`FOR UPDATE SKIP LOCKED`, oldest ready first) answering the steps a replay
 * needs. Deadlocks and lock wait timeouts are retried by the store. Opening is in `mysql.open.ts`,
 * inserts in `mysql.insert.ts`; the claim (`mysql.claims.ts`), a run's writes sent alone
 * (`mysql.run-writes.ts`), the reads (`mysql.reads.ts`), cancel and retry (`mysql.operations.ts`);
 * this class delegates.
 */
export class MysqlStore implements Persistence {
  readonly tablePrefix: string;
  /** Schedules (mysql.schedules.ts), in `<prefix>schedules`. */
  readonly schedules: MysqlSchedules;
  private readonly names: MysqlNames;
  private readonly claims: MysqlClaims;
  private readonly runWrites: MysqlRunWrites;
  private readonly reads: MysqlReads;
  private readonly operations: MysqlOperations;
  /** Deleting ended workflows (mysql.retention.ts). */
  private readonly retention: MysqlRetention;
  /** Compensation: the cancel that compensates, a compensating run's status (mysql.compensation.ts). */
  private readonly compensation: MysqlCompensation;
  private opened?: MysqlSource;
  /** Steps and finishes of one turn in one call (mysql.batch-writes.ts). */
  private readonly writes: ReturnType<typeof batchedWrites>;
  /** Inserts of one turn in one call (mysql.batch-inserts.ts). */
  private readonly inserts: ReturnType<typeof batchedInserts>;
  /** A step write without `readyAt` keeps the lease's expiry (the `step` procedures). */
  readonly stepKeepsLease = true;
  /** A finish records the run's last step in its transaction (`finish_step`, `write_many`). */
  readonly finishTakesStep = true;
  /** Priorities, concurrency and rate limits in the claim (mysql.flow-control.ts). */
  readonly flowControl = true;
  /** Rate limits per concurrency key too (`FlowLimit.keyRate`). */
  readonly keyedRateLimits = true;

  /**
   * The SQL that creates or upgrades the store's tables and procedures (idempotent), for teams
   * whose migrations run in their own tool (`migrate: false`): a script for the `mysql` client.
   */
  static migrationSql(options: { tablePrefix?: string } = {}): string {
    const tablePrefix = options.tablePrefix ?? MYSQL_DEFAULTS.tablePrefix;
    checkMysqlOptions({ url: 'mysql://localhost', tablePrefix });
    return migrationScript(tablePrefix);
  }

  constructor(private readonly options: MysqlStoreOptions) {
    checkMysqlOptions(options);
    this.tablePrefix = options.tablePrefix ?? MYSQL_DEFAULTS.tablePrefix;
    this.names = mysqlNames(this.tablePrefix);
    this.claims = new MysqlClaims(this.query, this.names);
    this.runWrites = new MysqlRunWrites(
      this.query,
      this.tablePrefix,
      this.names,
    );
    this.reads = new MysqlReads(this.query, this.tablePrefix, this.names);
    this.writes = batchedWrites(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
      (write) => this.runWrites.writeAlone(write),
    );
    this.inserts = batchedInserts(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
      ({ values }) => insertWith(this.query, this.names.workflows, values),
    );
    this.retention = new MysqlRetention(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
    );
    this.compensation = new MysqlCompensation(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
    );
    this.schedules = new MysqlSchedules(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
    );
    this.operations = new MysqlOperations(
      this.query,
      this.names,
      this.compensation,
    );
  }

  isUnreachable(error: unknown): boolean {
    return unreachableUnlessRefused(error, refusedByServer);
  }

  describe(): string {
    const where = this.options.url
      ? redactUrl(this.options.url)
      : `through ${sourceName(this.options)}`;
    return `MySQL ${where}, tables "${this.tablePrefix}*"`;
  }

  async init(context: StoreContext = {}): Promise<void> {
    if (this.opened) return;
    this.opened = await openMysql(
      this.options,
      this.tablePrefix,
      context.logger,
      () => this.describe(),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.writes.drain()]);
    const opened = this.opened;
    this.opened = undefined;
    await opened?.ownPool?.end();
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.inserts.submit({
      id: workflow.id,
      values: insertValues(workflow, lease),
    });
  }

  /**
   * Inserts the workflow through the app's transaction, ready and unleased: it exists if and only
   * if that transaction commits. Workers find it at their next poll.
   */
  insertWorkflowInTransaction(args: {
    transaction: unknown;
    workflow: NewWorkflow;
  }): Promise<boolean> {
    const query = transactionQuery(args.transaction, this.describe());
    if (!this.opened) return Promise.reject(this.notOpen());
    return insertWith(query, this.names.workflows, insertValues(args.workflow));
  }

  claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    return this.claims.claimReady(now, leases, options);
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.runWrites.renewLease(workflowId, lease);
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    return this.writes.submit({
      op: 'step',
      id: workflowId,
      token: leaseToken,
      // None: the workflow keeps its lease's expiry (`stepKeepsLease`).
      ready: next.readyAt ?? null,
      now: next.now,
      release: next.release === true,
      kind: step.kind,
      step: step.id,
      result: step.result ?? null,
      wake: step.wakeAt ?? null,
      started: step.startedAt ?? null,
      recorded: step.recordedAt,
    });
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    return this.runWrites.releaseLease(workflowId, leaseToken, release);
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    return this.writes.submit({
      op: 'finish',
      id: workflowId,
      token: leaseToken,
      result: finish.result,
      now: finish.now,
      last: finish.step
        ? {
            kind: finish.step.kind,
            step: finish.step.id,
            result: finish.step.result ?? null,
            started: finish.step.startedAt ?? null,
            recorded: finish.step.recordedAt,
          }
        : null,
    });
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    return this.runWrites.recordFailure(workflowId, leaseToken, failure);
  }

  /** The server's clock, read as the statement runs (`SYSDATE(6)`). */
  async serverTime(): Promise<number> {
    const { sets } = await this.query(
      'SELECT ROUND(UNIX_TIMESTAMP(SYSDATE(6)) * 1000) AS now',
    );
    return Number(sets[0][0].now);
  }

  /** One `CALL` (mysql.signals.ts): stored, and a waiting workflow woken, in one transaction. */
  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    return sendSignal(this.query, this.tablePrefix, signal);
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    return this.reads.getWorkflow(workflowId);
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    return this.reads.listWorkflows(query);
  }

  /** Slots in use, for the dashboard (mysql.slots.ts). */
  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return leasedCounts(this.query, this.tablePrefix, names);
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    return this.reads.countWorkflows(filter);
  }

  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    return this.operations.cancelWorkflow(workflowId, now, cancel);
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.compensation.record(workflowId, leaseToken, change);
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    return this.operations.retryWorkflow(workflowId, now);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.retention.delete(workflowId);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.retention.purge(purge);
  }

  /** The dashboard's charts (mysql.activity.ts): one statement over three index ranges. */
  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return mysqlActivity(this.query, this.tablePrefix, query);
  }

  private notOpen(): Error {
    return new Error(`${this.describe()} is not open (call init() first)`);
  }

  private query: MysqlQuery = (sql, values) => {
    if (!this.opened) return Promise.reject(this.notOpen());
    return this.opened.query(sql, values);
  };
}
