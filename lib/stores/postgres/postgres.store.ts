import type { PostgresSchedules } from './postgres.schedules';
import { activityStatement, postgresActivity } from './postgres.activity';
import type {
  ActivityBucket,
  ActivityQuery,
  WorkflowCounts,
  WorkflowStatus,
} from '../../model';
import type {
  ClaimOptions,
  CancelRecord,
  ClaimedWorkflow,
  FailureRecord,
  FinishRecord,
  Lease,
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
  CompensationStatusChange,
  WorkflowQuery,
  WorkflowSummaryRecord,
  LeasedCount,
} from '../persistence';
import { sendSignal } from './postgres.signals';
import {
  checkPostgresOptions,
  POSTGRES_DEFAULTS,
  type PostgresStoreOptions,
  redactUrl,
} from './postgres.options';
import type { Queryable } from './postgres.queryable';
import { sourceName, transactionQuery } from './postgres.source';
import { migrationScript } from './postgres.schema';
import { insertRow } from './postgres.writes';
import { rejectedByServer } from './postgres.batch';
import { unreachableUnlessRefused } from '../unreachable';
import type { SchemaConnection } from './postgres.migrate';
import { type Opened, openPostgres } from './postgres.open';
import { type PostgresParts, postgresParts } from './postgres.parts';

/**
 * Workflows in PostgreSQL (the `pg` driver), in a schema of their own, in the app's own database.
 * Every write is one statement, fenced by the lease token where it belongs to a run; a claim is
 * one statement too (`FOR UPDATE SKIP LOCKED`, oldest ready first) that returns the steps a
 * replay needs. Idle workers learn of new work through LISTEN/NOTIFY. Opening is in
 * `postgres.open.ts`; the parts this class delegates to are built in `postgres.parts.ts`: the
 * claim (`postgres.claims.ts`), a run's writes (`postgres.writes.ts`, `postgres.run-writes.ts`),
 * the reads (`postgres.reads.ts`), cancel and retry (`postgres.operations.ts`), and the rest.
 */
export class PostgresStore implements Persistence {
  readonly schema: string;
  readonly stepKeepsLease = true;
  readonly finishTakesStep = true;
  readonly flowControl = true;
  readonly keyedRateLimits = true;
  /** Schedules (postgres.schedules.ts), in `<schema>.schedules`. */
  readonly schedules: PostgresSchedules;
  private readonly parts: PostgresParts;
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
    this.parts = postgresParts(this.schema, this.query, this.transaction);
    this.schedules = this.parts.schedules;
  }

  isUnreachable(error: unknown): boolean {
    return unreachableUnlessRefused(error, rejectedByServer);
  }

  describe(): string {
    const where = this.options.url
      ? redactUrl(this.options.url)
      : `through ${sourceName(this.options)}`;
    return `PostgreSQL ${where}, schema "${this.schema}"`;
  }

  async init(context: StoreContext = {}): Promise<void> {
    if (this.opened) return;
    this.opened = await openPostgres(
      this.options,
      this.schema,
      this.parts.channel,
      context.logger,
      () => this.describe(),
    );
    if (this.opened.listener) {
      this.hasForeignWrites = () => this.opened?.listener?.take() ?? false;
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    await this.parts.writes.drain();
    const opened = this.opened;
    this.opened = undefined;
    if (!opened) return;
    await opened.listener?.close();
    await opened.pool?.end();
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.parts.writes.insert(workflow, lease);
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
    const { rows } = await query<{ inserted: number }>(
      this.parts.sql.insertReady,
      [...insertRow({ workflow: args.workflow }), this.parts.channel],
    );
    return rows[0].inserted === 1;
  }

  claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    return this.parts.claims.claimReady(
      now,
      leases,
      options,
      this.opened?.pool,
    );
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.parts.runWrites.renewLease(workflowId, lease);
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    return this.parts.writes.recordStep({ workflowId, leaseToken, step, next });
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    return this.parts.runWrites.releaseLease(workflowId, leaseToken, release);
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    return this.parts.writes.finish({
      workflowId,
      leaseToken,
      result: finish.result,
      now: finish.now,
      step: finish.step,
    });
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    return this.parts.runWrites.recordFailure(workflowId, leaseToken, failure);
  }

  /** The server's clock, read as the statement runs (`clock_timestamp()`). */
  async serverTime(): Promise<number> {
    const { rows } = await this.query<{ now: number }>(
      this.parts.sql.serverTime,
      [],
    );
    return rows[0].now;
  }

  /**
   * Whether a notification came since last asked; set by `init()` only when the store listens
   * (absent with `listen: false`: the engine then knows it cannot tell).
   */
  hasForeignWrites?: () => boolean;

  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    return sendSignal(
      this.query,
      this.parts.signalSql,
      this.parts.channel,
      signal,
    );
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    return this.parts.reads.getWorkflow(workflowId);
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    return this.parts.reads.listWorkflows(query);
  }

  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return this.parts.reads.leasedCounts(names);
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    return this.parts.reads.countWorkflows(filter);
  }

  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    return this.parts.operations.cancelWorkflow(workflowId, now, cancel);
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    return this.parts.operations.retryWorkflow(workflowId, now);
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.parts.compensation.record(workflowId, leaseToken, change);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.parts.retention.delete(workflowId);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.parts.retention.purge(purge);
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
