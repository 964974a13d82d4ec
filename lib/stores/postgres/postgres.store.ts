import { leasedCountsSql } from './postgres.flow-control';
import { PostgresSchedules } from './postgres.schedules';
import { activityStatement, postgresActivity } from './postgres.activity';
import { PostgresRetention } from './postgres.retention';
import { PostgresCompensation } from './postgres.compensation';
import type { Pool } from 'pg';
import type {
  ActivityBucket,
  ActivityQuery,
  WorkflowCounts,
  WorkflowStatus,
} from '../../model';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
import {
  type ClaimOptions,
  type CancelRecord,
  type ClaimedWorkflow,
  type FailureRecord,
  type FinishRecord,
  type Lease,
  type LeaseRelease,
  type NewSignal,
  type NewWorkflow,
  noCounts,
  type Persistence,
  type SignalDelivery,
  type StepOutcome,
  type StoreContext,
  type StoredStep,
  type StoredWorkflow,
  type WorkflowPurge,
  type CompensationStatusChange,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
  type LeasedCount,
} from '../persistence';
import { PostgresListener } from './postgres.listener';
import {
  releaseToWait,
  sendSignal,
  type SignalStatements,
  signalStatements,
  type SignalTuple,
  toStoredSignals,
} from './postgres.signals';
import { migrateSchema } from './postgres.migrate';
import {
  checkPostgresOptions,
  POSTGRES_DEFAULTS,
  type PostgresStoreOptions,
  redactUrl,
} from './postgres.options';
import type { Queryable } from './postgres.queryable';
import { openSource, sourceName, transactionQuery } from './postgres.source';
import {
  type StepTuple,
  toStoredSteps,
  toSummary,
  type WorkflowRow,
} from './postgres.rows';
import { migrationScript } from './postgres.schema';
import { versionsParam } from './postgres.versions';
import { traceContextOf } from './postgres.trace-context';
import { parentField } from './postgres.children';
import { postgresBatchStatements } from './postgres.batch-statements';
import { insertRow, PostgresWrites } from './postgres.writes';
import { claimLimited, type ClaimedRow } from './postgres.flow-claims';
import type { SchemaConnection } from './postgres.migrate';
import {
  type PostgresStatements,
  postgresStatements,
} from './postgres.statements';

interface Opened {
  /** The pool the store opened from `url`; an app's pool or ORM is never ended here. */
  pool?: Pool;
  query: Queryable;
  listener?: PostgresListener;
  /** A transaction over the same connections, for claims with flow limits. */
  transaction: SchemaConnection['transaction'];
}

/**
 * Workflows in PostgreSQL (the `pg` driver), in a schema of their own, in the app's own database.
 * Every write is one statement, fenced by the lease token where it belongs to a run; a claim is
 * one statement too (`FOR UPDATE SKIP LOCKED`, oldest ready first) that returns the steps a
 * replay needs. Idle workers learn of new work through LISTEN/NOTIFY.
 */
export class PostgresStore implements Persistence {
  readonly schema: string;
  /** Schedules (postgres.schedules.ts), in `<schema>.schedules`. */
  readonly stepKeepsLease = true;
  readonly flowControl = true;
  readonly keyedRateLimits = true;
  readonly schedules: PostgresSchedules;
  private readonly sql: PostgresStatements;
  private readonly signalSql: SignalStatements;
  private readonly channel: string;
  /** Inserts, steps and finishes: those written in one turn share a statement. */
  private readonly writes: PostgresWrites;
  private readonly retention: PostgresRetention;
  private readonly compensation: PostgresCompensation;
  private opened?: Opened;
  private activitySql?: ReturnType<typeof activityStatement>;

  /**
   * The SQL that creates or upgrades the store's tables in `schema` (idempotent), for teams whose
   * migrations run in their own tool (`migrate: false`).
   */
  static migrationSql(options: { schema?: string } = {}): string {
    const schema = options.schema ?? POSTGRES_DEFAULTS.schema;
    checkPostgresOptions({ url: 'postgres://localhost', schema });
    return migrationScript(schema);
  }

  constructor(private readonly options: PostgresStoreOptions) {
    checkPostgresOptions(options);
    this.schema = options.schema ?? POSTGRES_DEFAULTS.schema;
    this.sql = postgresStatements(this.schema);
    this.channel = `lidex_${this.schema}`;
    this.schedules = new PostgresSchedules(
      (statement, values) => this.query(statement, values),
      this.schema,
      this.channel,
    );
    this.signalSql = signalStatements(this.schema);
    this.retention = new PostgresRetention(this.query, this.schema);
    this.compensation = new PostgresCompensation(
      this.query,
      this.schema,
      this.channel,
    );
    this.writes = new PostgresWrites(
      this.query,
      this.sql,
      postgresBatchStatements(this.schema),
      this.channel,
    );
  }

  describe(): string {
    const where = this.options.url
      ? redactUrl(this.options.url)
      : `through ${sourceName(this.options)}`;
    return `PostgreSQL ${where}, schema "${this.schema}"`;
  }

  async init(context: StoreContext = {}): Promise<void> {
    if (this.opened) return;
    const pg = loadDriver<typeof import('pg')>('pg', 'PostgreSQL store');
    const timeoutMs =
      this.options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs;
    const source = openSource(this.options, pg, (error) =>
      context.logger?.warn(
        messages.postgresConnectionLost(this.describe(), error.message),
      ),
    );
    let listener: PostgresListener | undefined;
    try {
      await migrateSchema(
        source.schema,
        this.schema,
        this.options.migrate ?? POSTGRES_DEFAULTS.migrate,
        this.describe(),
      );
      if (
        (this.options.listen ?? POSTGRES_DEFAULTS.listen) &&
        source.listenConfig
      ) {
        listener = new PostgresListener(
          pg.Client,
          {
            ...source.listenConfig,
            connectionTimeoutMillis: timeoutMs,
            keepAlive: true,
          },
          this.channel,
          context.logger,
          () => this.describe(),
        );
        await listener.open();
      }
      this.opened = {
        pool: source.ownPool,
        query: source.query,
        listener,
        transaction: (body) => source.schema.transaction(body),
      };
      if (listener) {
        this.hasForeignWrites = () => this.opened?.listener?.take() ?? false;
      }
    } catch (error) {
      await listener?.close();
      await source.ownPool?.end().catch(() => undefined);
      throw error instanceof LidexError
        ? error
        : new StoreUnavailableError(this.describe(), error);
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    await this.writes.drain();
    const opened = this.opened;
    this.opened = undefined;
    if (!opened) return;
    await opened.listener?.close();
    await opened.pool?.end();
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.writes.insert(workflow, lease);
  }

  /**
   * Inserts the workflow through the app's transaction, ready and unleased: it exists if and only
   * if that transaction commits. Its notification is sent on commit (PostgreSQL delivers NOTIFY
   * only then), so the workers that listen claim it at once; the others at their next poll.
   */
  async insertWorkflowInTransaction(args: {
    transaction: unknown;
    workflow: NewWorkflow;
  }): Promise<boolean> {
    const query = transactionQuery(args.transaction, this.describe());
    if (!this.opened) {
      throw new Error(`${this.describe()} is not open (call init() first)`);
    }
    const { rows } = await query<{ inserted: number }>(this.sql.insertReady, [
      ...insertRow({ workflow: args.workflow }),
      this.channel,
    ]);
    return rows[0].inserted === 1;
  }

  async claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
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
            this.opened?.pool,
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

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.renew, [
      workflowId,
      lease.token,
      lease.until,
    ]);
    return rowCount === 1;
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    return this.writes.recordStep({ workflowId, leaseToken, step, next });
  }

  async releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const { wait } = release;
    if (wait) {
      return releaseToWait(this.query, this.signalSql, this.channel, {
        ...release,
        workflowId,
        leaseToken,
        wait,
      });
    }
    const { rows } = await this.query<{ held: boolean }>(this.sql.release, [
      workflowId,
      leaseToken,
      release.readyAt,
      release.now,
      this.channel,
    ]);
    return rows[0].held;
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    return this.writes.finish({
      workflowId,
      leaseToken,
      result: finish.result,
      now: finish.now,
    });
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { rows } = await this.query<{
      status: WorkflowStatus;
      failures: number;
    }>(this.sql.fail, [
      workflowId,
      leaseToken,
      JSON.stringify(failure.error),
      failure.retryAt,
      failure.maxFailures,
      failure.abort === true,
      failure.now,
    ]);
    return rows[0] && { status: rows[0].status, failures: rows[0].failures };
  }

  /** The server's clock, read as the statement runs (`clock_timestamp()`). */
  async serverTime(): Promise<number> {
    const { rows } = await this.query<{ now: number }>(this.sql.serverTime, []);
    return rows[0].now;
  }

  /**
   * Whether a notification came since last asked; set by `init()` only when the store listens
   * (absent with `listen: false`: the engine then knows it cannot tell).
   */
  hasForeignWrites?: () => boolean;

  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    return sendSignal(this.query, this.signalSql, this.channel, signal);
  }

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { rows } = await this.query<
      WorkflowRow & {
        steps: StepTuple[] | null;
        signals: SignalTuple[] | null;
      }
    >(this.sql.get, [workflowId]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...toSummary(row),
      input: row.input,
      result: row.result ?? undefined,
      leaseToken: row.lease_token ?? undefined,
      ...(row.first_claimed_at != null && {
        firstClaimedAt: row.first_claimed_at,
      }),
      steps: toStoredSteps(row.steps),
      signals: toStoredSignals(row.signals),
      deadlineAt: row.deadline_at ?? undefined,
      ...traceContextOf(row),
      ...parentField(row),
    };
  }

  async listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const statement = this.sql.list({
      status: query.status !== undefined,
      name: query.name !== undefined,
      after: query.after !== undefined,
      version: query.version !== undefined,
      waiting: query.waiting !== undefined,
      priority: query.priority !== undefined,
      concurrencyKey: query.concurrencyKey !== undefined,
    });
    const values: unknown[] = [
      ...(query.status !== undefined ? [query.status] : []),
      ...(query.name !== undefined ? [query.name] : []),
      ...(query.version !== undefined ? [query.version] : []),
      ...(query.waiting !== undefined ? [query.waiting] : []),
      ...(query.priority !== undefined ? [query.priority] : []),
      ...(query.concurrencyKey !== undefined ? [query.concurrencyKey] : []),
      ...(query.after ? [query.after.createdAt, query.after.id] : []),
      query.limit,
    ];
    const { rows } = await this.query<WorkflowRow>(statement, values);
    return rows.map(toSummary);
  }

  async leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    if (names.length === 0) return [];
    const { rows } = await this.query<{
      name: string;
      key: string | null;
      n: number;
    }>(leasedCountsSql(this.schema), [[...names]]);
    return rows.map((row) => ({
      name: row.name,
      ...(row.key === null ? {} : { concurrencyKey: row.key }),
      leased: Number(row.n),
    }));
  }

  async countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const { rows } = await (filter.name === undefined
      ? this.query<{ status: WorkflowStatus; n: number }>(
          this.sql.countByStatus,
          [],
        )
      : this.query<{ status: WorkflowStatus; n: number }>(
          this.sql.countByStatusOfName,
          [filter.name],
        ));
    const counts = noCounts();
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const reason = cancel.reason ? JSON.stringify(cancel.reason) : null;
    if (cancel.compensate && (await this.compensation.cancel(workflowId, now)))
      return true;
    const { rows } = await this.query<{ status: WorkflowStatus }>(
      this.sql.cancel,
      [workflowId, now, reason],
    );
    return rows[0] && rows[0].status === 'cancelled';
  }

  async retryWorkflow(
    workflowId: string,
    now: number,
  ): Promise<boolean | undefined> {
    const { rows } = await this.query<{ retried: boolean; found: boolean }>(
      this.sql.retry,
      [workflowId, now, this.channel],
    );
    if (rows[0].retried) return true;
    return rows[0].found ? false : undefined;
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.compensation.record(workflowId, leaseToken, change);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.retention.delete(workflowId);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.retention.purge(purge);
  }

  /** The dashboard's charts (postgres.activity.ts): one statement over three index ranges. */
  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return postgresActivity(
      this.query,
      (this.activitySql ??= activityStatement(this.schema)),
      query,
    );
  }

  private transaction: SchemaConnection['transaction'] = (body) => {
    if (!this.opened) {
      return Promise.reject(
        new Error(`${this.describe()} is not open (call init() first)`),
      );
    }
    return this.opened.transaction(body);
  };

  private query: Queryable = (statement, values) => {
    if (!this.opened) {
      return Promise.reject(
        new Error(`${this.describe()} is not open (call init() first)`),
      );
    }
    return this.opened.query(statement, values);
  };
}
