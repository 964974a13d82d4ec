import type { WorkflowCounts, WorkflowStatus } from '../../model';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
import {
  CANCELLABLE_STATUSES,
  type CancelRecord,
  type ClaimOptions,
  type CompensationStatusChange,
  type ClaimedWorkflow,
  type FailureRecord,
  type FinishRecord,
  type Lease,
  type LeasedCount,
  type LeaseRelease,
  type NewSignal,
  type NewWorkflow,
  noCounts,
  type Persistence,
  RETRYABLE_STATUSES,
  type SignalDelivery,
  type StepOutcome,
  type StoreContext,
  type StoredStep,
  type StoredWorkflow,
  type WorkflowPurge,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { mysqlActivity } from './mysql.activity';
import { batchedInserts } from './mysql.batch-inserts';
import { type BatchedWrite, batchedWrites } from './mysql.batch-writes';
import { parentField, parentParam } from './mysql.children';
import { MysqlCompensation } from './mysql.compensation';
import type { MysqlQuery, MysqlSource } from './mysql.connection';
import { migrateSchema } from './mysql.migrate';
import { keyOf, mysqlNames } from './mysql.names';
import {
  checkMysqlOptions,
  MYSQL_DEFAULTS,
  type MysqlStoreOptions,
  redactUrl,
} from './mysql.options';
import {
  optionalText,
  text,
  toStoredSteps,
  toSummary,
  versionsParam,
} from './mysql.rows';
import { flowFields, limitsParam, scanSize } from './mysql.flow-control';
import { DUPLICATE_KEY, MysqlSchedules } from './mysql.schedules';
import { MysqlRetention } from './mysql.retention';
import { migrationScript } from './mysql.schema';
import { mysqlErrno } from './mysql.retry';
import {
  NOT_WAITING,
  releaseToWait,
  sendSignal,
  signalsOf,
  toStoredSignals,
  waitingField,
} from './mysql.signals';
import { leasedCounts } from './mysql.slots';
import { openSource, sourceName, transactionQuery } from './mysql.source';
import { checkSamePool } from './orm/prisma';
import { traceContextOf } from './mysql.trace-context';

const quoted = (statuses: readonly WorkflowStatus[]): string =>
  statuses.map((status) => `'${status}'`).join(', ');

/**
 * Workflows in MySQL 8 or MariaDB 10.6+ (the `mysql2` driver), in tables of their own (a prefix)
 * in the app's database. Every write of a run is one statement: a `CALL` of a procedure that
 * locks the workflow's row, checks the lease token and writes, in one short transaction. A claim
 * is one `CALL` too (`FOR UPDATE SKIP LOCKED`, oldest ready first) answering the steps a replay
 * needs. Deadlocks and lock wait timeouts are retried by the store.
 */
export class MysqlStore implements Persistence {
  readonly tablePrefix: string;
  /** Schedules (mysql.schedules.ts), in `<prefix>schedules`. */
  readonly schedules: MysqlSchedules;
  private readonly names: ReturnType<typeof mysqlNames>;
  /** Deleting ended workflows (mysql.retention.ts). */
  private readonly retention: MysqlRetention;
  /** Compensation: the cancel that compensates, a compensating run's status (mysql.compensation.ts). */
  private readonly compensation: MysqlCompensation;
  private opened?: MysqlSource;
  /** Steps and finishes of one turn in one call (mysql.batch-writes.ts). */
  private readonly writes: ReturnType<typeof batchedWrites>;
  /** Inserts of one turn in one call (mysql.batch-inserts.ts). */
  private readonly inserts: ReturnType<typeof batchedInserts>;
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
    this.writes = batchedWrites(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
      (write) => this.writeAlone(write),
    );
    this.inserts = batchedInserts(
      (sql, values) => this.query(sql, values),
      this.tablePrefix,
      ({ values }) => this.insertWith(this.query, values),
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
  }

  describe(): string {
    const where = this.options.url
      ? redactUrl(this.options.url)
      : `through ${sourceName(this.options)}`;
    return `MySQL ${where}, tables "${this.tablePrefix}*"`;
  }

  async init(context: StoreContext = {}): Promise<void> {
    if (this.opened) return;
    // With Prisma the store runs on the app's mariadb pool: mysql2 need not be installed.
    const mysql = this.options.prisma
      ? undefined
      : loadDriver<typeof import('mysql2/promise')>(
          'mysql2/promise',
          'MySQL store',
        );
    const source = openSource(this.options, mysql, (error) =>
      context.logger?.warn(
        messages.mysqlConnectionLost(this.describe(), error.message),
      ),
    );
    try {
      if (this.options.prisma && this.options.mariadbPool) {
        await checkSamePool(this.options.prisma, this.options.mariadbPool);
      }
      await migrateSchema(
        source,
        this.tablePrefix,
        this.options.migrate ?? MYSQL_DEFAULTS.migrate,
        this.describe(),
      );
      this.opened = source;
    } catch (error) {
      await source.ownPool?.end().catch(() => undefined);
      throw error instanceof LidexError
        ? error
        : new StoreUnavailableError(this.describe(), error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.writes.drain()]);
    const opened = this.opened;
    this.opened = undefined;
    await opened?.ownPool?.end();
  }

  private insertValues(workflow: NewWorkflow, lease?: Lease): unknown[] {
    return [
      workflow.id,
      workflow.id,
      workflow.name,
      lease ? 'running' : 'idle',
      workflow.input,
      lease ? 1 : 0,
      lease ? lease.until : workflow.now,
      lease?.token ?? null,
      workflow.now,
      workflow.now,
      workflow.version ?? 1,
      workflow.deadlineAt ?? null,
      parentParam(workflow.parent),
      workflow.traceContext ?? null,
      workflow.priority ?? 0,
      workflow.concurrencyKey ?? null,
      lease ? workflow.now : null,
    ];
  }

  private async insertWith(
    query: MysqlQuery,
    values: unknown[],
  ): Promise<boolean> {
    try {
      await query(
        `INSERT INTO ${this.names.workflows}
          (id_key, id, name, status, input, attempts, ready_at, lease_token, created_at, updated_at,
           version, deadline_at, parent, trace_context, priority, concurrency_key,
           first_claimed_at)
        VALUES (${keyOf('?')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        values,
      );
      return true;
    } catch (error) {
      if (mysqlErrno(error) === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.inserts.submit({
      id: workflow.id,
      values: this.insertValues(workflow, lease),
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
    return this.insertWith(query, this.insertValues(args.workflow));
  }

  async claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    if (leases.length === 0) return [];
    const limits = limitsParam(options);
    const { sets } = await this.query(
      `CALL ${this.names.procedure('claim_flow')}(?, ?, ?, ?, ?, ?, ?)`,
      [
        Math.round(now),
        JSON.stringify(
          leases.map((lease) => [lease.token, Math.round(lease.until)]),
        ),
        leases.length,
        versionsParam(options?.versions),
        options?.oldestFirst === true,
        limits,
        scanSize(leases.length, limits !== null),
      ],
    );
    const claimed: ClaimedWorkflow[] = [];
    // Three result sets per workflow: its row, its steps, its signals.
    for (let i = 0; i + 2 < sets.length; i += 3) {
      const row = sets[i][0];
      claimed.push({
        id: text(row.id),
        name: text(row.name),
        input: text(row.input),
        leaseToken: text(row.token),
        version: Number(row.version),
        steps: toStoredSteps(sets[i + 1]),
        signals: toStoredSignals(sets[i + 2]),
        deadlineAt: deadlineOf(row.deadline_at),
        ...traceContextOf(row),
        ...parentField(row),
      });
    }
    return claimed;
  }

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.held('renew', [workflowId, lease.token, lease.until]);
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
      // Always given: this store does not declare `stepKeepsLease`.
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
    const { wait } = release;
    if (wait) {
      return releaseToWait(this.query, this.tablePrefix, {
        ...release,
        workflowId,
        leaseToken,
        wait,
      });
    }
    return this.held('release', [
      workflowId,
      leaseToken,
      release.readyAt ?? null,
      release.now,
    ]);
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
    });
  }

  /** A step or finish sent alone: its own procedure. */
  private writeAlone(write: BatchedWrite): Promise<boolean> {
    return write.op === 'step'
      ? this.held('step', [
          write.id,
          write.token,
          write.ready,
          write.now,
          write.release,
          write.kind,
          write.step,
          write.result,
          write.wake,
          write.started,
          write.recorded,
        ])
      : this.held('finish', [write.id, write.token, write.result, write.now]);
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { sets } = await this.query(
      `CALL ${this.names.procedure('fail')}(?, ?, ?, ?, ?, ?, ?)`,
      [
        workflowId,
        leaseToken,
        JSON.stringify(failure.error),
        failure.retryAt ?? null,
        failure.maxFailures,
        failure.abort === true,
        failure.now,
      ],
    );
    const row = sets[0]?.[0];
    return (
      row && {
        status: row.status as WorkflowStatus,
        failures: Number(row.failures),
      }
    );
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

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { sets } = await this.query(
      `SELECT * FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    const row = sets[0]?.[0];
    if (!row) return undefined;
    const steps = await this.query(
      `SELECT kind, step_id, result, wake_at, started_at, recorded_at FROM ${this.names.steps}
       WHERE workflow_key = ${keyOf('?')} ORDER BY seq`,
      [workflowId],
    );
    return {
      ...toSummary(row),
      ...waitingField(row),
      ...flowFields(row),
      ...(row.first_claimed_at !== null && {
        firstClaimedAt: Number(row.first_claimed_at),
      }),
      input: text(row.input),
      result: optionalText(row.result),
      leaseToken: optionalText(row.lease_token),
      steps: toStoredSteps(steps.sets[0]),
      signals: await signalsOf(this.query, this.tablePrefix, workflowId),
      deadlineAt: deadlineOf(row.deadline_at),
      ...traceContextOf(row),
      ...parentField(row),
    };
  }

  async listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.status !== undefined) {
      where.push('status = ?');
      values.push(query.status);
    }
    if (query.name !== undefined) {
      where.push('name = ?');
      values.push(query.name);
    }
    if (query.version !== undefined) {
      where.push('version = ?');
      values.push(query.version);
    }
    if (query.waiting !== undefined) {
      where.push('waiting_kind = ?');
      values.push(query.waiting);
    }
    if (query.priority !== undefined) {
      where.push('priority = ?');
      values.push(query.priority);
    }
    if (query.concurrencyKey !== undefined) {
      where.push('concurrency_key = ?');
      values.push(query.concurrencyKey);
    }
    if (query.after) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      values.push(query.after.createdAt, query.after.createdAt, query.after.id);
    }
    values.push(query.limit);
    const { sets } = await this.query(
      `SELECT id, name, status, failures, attempts, error, ready_at, created_at, updated_at, version,
        waiting_for, priority, concurrency_key
      FROM ${this.names.workflows}
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`,
      values,
    );
    return (sets[0] ?? []).map((row) => ({
      ...toSummary(row),
      ...waitingField(row),
      ...flowFields(row),
    }));
  }

  /** Slots in use, for the dashboard (mysql.slots.ts). */
  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return leasedCounts(this.query, this.tablePrefix, names);
  }

  async countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const { sets } = await this.query(
      `SELECT status, COUNT(*) AS n FROM ${this.names.workflows}
      ${filter.name === undefined ? '' : 'WHERE name = ?'} GROUP BY status`,
      filter.name === undefined ? [] : [filter.name],
    );
    const counts = noCounts();
    for (const row of sets[0] ?? [])
      counts[row.status as WorkflowStatus] = Number(row.n);
    return counts;
  }

  async cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const reason = cancel.reason ? JSON.stringify(cancel.reason) : null;
    if (cancel.compensate)
      return this.compensation.cancel(workflowId, now, reason);
    await this.query(
      `UPDATE ${this.names.workflows}
      SET status = 'cancelled', lease_token = NULL, ready_at = NULL, updated_at = ?,
          error = COALESCE(?, error), ${NOT_WAITING}
      WHERE id_key = ${keyOf('?')} AND status IN (${quoted(CANCELLABLE_STATUSES)})`,
      [now, reason, workflowId],
    );
    const { sets } = await this.query(
      `SELECT status FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    const row = sets[0]?.[0];
    return row && row.status === 'cancelled';
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.compensation.record(workflowId, leaseToken, change);
  }

  async retryWorkflow(
    workflowId: string,
    now: number,
  ): Promise<boolean | undefined> {
    const { affectedRows } = await this.query(
      `UPDATE ${this.names.workflows}
      SET status = 'idle', failures = 0, lease_token = NULL, ready_at = ?, updated_at = ?
      WHERE id_key = ${keyOf('?')} AND status IN (${quoted(RETRYABLE_STATUSES)})`,
      [now, now, workflowId],
    );
    if (affectedRows > 0) return true;
    const { sets } = await this.query(
      `SELECT 1 AS found FROM ${this.names.workflows} WHERE id_key = ${keyOf('?')}`,
      [workflowId],
    );
    return (sets[0] ?? []).length > 0 ? false : undefined;
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

  /** A fenced write's procedure, answering whether the lease held (or its own try was kept). */
  private async held(procedure: string, values: unknown[]): Promise<boolean> {
    const marks = values.map(() => '?').join(', ');
    const { sets } = await this.query(
      `CALL ${this.names.procedure(procedure)}(${marks})`,
      values,
    );
    return Number(sets[0]?.[0]?.held) === 1;
  }

  private notOpen(): Error {
    return new Error(`${this.describe()} is not open (call init() first)`);
  }

  private query: MysqlQuery = (sql, values) => {
    if (!this.opened) return Promise.reject(this.notOpen());
    return this.opened.query(sql, values);
  };
}

/** A stored deadline (a BIGINT, read as a string or number), or none. */
const deadlineOf = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);
