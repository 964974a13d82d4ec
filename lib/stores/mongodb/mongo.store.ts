import { cancelToCompensating } from './mongo.compensation';
import { mongoActivity } from './mongo.activity';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { mongoServerTime } from './mongo.clock';
import type { WorkflowCounts, WorkflowStatus } from '../../model';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { isUnreachable } from './mongo.errors';
import type {
  ClaimOptions,
  CancelRecord,
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
  StoredStep,
  StoreContext,
  StoredWorkflow,
  WorkflowPurge,
  CompensationStatusChange,
  WorkflowQuery,
  WorkflowSummaryRecord,
} from '../persistence';
import { ClaimDocumentClaims } from './mongo.claim-documents';
import { byId, stepKey, toStoredWorkflow } from './mongo.documents';
import { HeldLeases } from './mongo.held-leases';
import type { MongoStoreState } from './mongo.lease-fence';
import { mongoClientFor, type Opened, openMongo } from './mongo.open';
import { MongoRunEnds } from './mongo.run-ends';
import { MongoRunWrites } from './mongo.run-writes';
import { MongoSchedules, type ScheduleDocument } from './mongo.schedules';
import { MONGO_DEFAULTS, type MongoStoreOptions } from './mongo.options';
import { leasedCounts } from './mongo.slots';
import { WritesInFlight } from './mongo.writes-in-flight';
import { databaseInUrl, redact } from './mongo.setup';

/**
 * MongoDB's document limit is 16 MiB. A workflow is one document, so its input and all its
 * step results together must stay under it, with room for field names and ids.
 */
const MAX_WORKFLOW_BYTES = 15 * 1024 * 1024;

/**
 * Workflows in MongoDB (the official driver). One document per workflow with its steps embedded;
 * every write after a claim is one update filtered by the lease token; ids are only ever values.
 * Opening is in `mongo.open.ts`, a run's writes in `mongo.run-writes.ts` and `mongo.run-ends.ts`,
 * each capability in a file of its own; this class delegates.
 */
export class MongoStore implements Persistence {
  readonly maxValueBytes = MAX_WORKFLOW_BYTES;
  readonly maxWorkflowBytes = MAX_WORKFLOW_BYTES;
  /** Limits and priorities, decided by unique inserts (`mongo.flow-control.ts`). */
  readonly flowControl = true;
  /** Rate limits per concurrency key too, as numbered starts per key (`mongo.flow-starts.ts`). */
  readonly keyedRateLimits = true;
  private opened?: Opened;
  private readonly prefix: string;
  private readonly held = new HeldLeases();
  private readonly inFlight = new WritesInFlight();
  private readonly state: MongoStoreState = {
    open: () => this.open(),
    opened: () => this.opened,
    held: this.held,
    inFlight: this.inFlight,
  };
  private readonly runWrites = new MongoRunWrites(this.state);
  private readonly runEnds = new MongoRunEnds(this.state);
  /** Schedules (mongo.schedules.ts), in `<prefix>schedules` of the same database. */
  readonly schedules = new MongoSchedules(() =>
    this.open()
      .client.db(this.databaseName())
      .collection<ScheduleDocument>(`${this.prefix}schedules`),
  );

  constructor(private readonly options: MongoStoreOptions) {
    if (!options.url === !options.client) {
      throw new StoreUnavailableError(
        'MongoDB store',
        new Error('give MongoStore either `url` or `client` (exactly one)'),
      );
    }
    this.prefix = options.collectionPrefix ?? MONGO_DEFAULTS.collectionPrefix;
  }

  readonly finishTakesStep = true;

  /** From the server's profile (FerretDB 1.x: yes); read after `init()`. */
  get serialWritesPerWorkflow(): boolean {
    return this.opened?.serialWrites ?? true;
  }

  isUnreachable(error: unknown): boolean {
    return isUnreachable(error);
  }

  describe(): string {
    const where = this.options.url
      ? redact(this.options.url)
      : "through the app's MongoClient";
    const claims =
      this.opened?.claims instanceof ClaimDocumentClaims
        ? `, claims decided by claim documents in ${this.prefix}claims`
        : '';
    return (
      `MongoDB ${where}, database "${this.databaseName()}", ` +
      `collection ${this.prefix}workflows${claims}`
    );
  }

  async init(context: StoreContext = {}): Promise<void> {
    if (this.opened) return;
    const client = mongoClientFor(this.options);
    try {
      const { opened, profile } = await openMongo(
        client,
        this.databaseName(),
        this.prefix,
        this.options.claims,
        this.inFlight,
      );
      this.opened = opened;
      if (!profile.atomicUpdates) {
        context.logger?.warn(
          messages.serverNotAtomic(profile.name, this.describe()),
        );
      }
    } catch (error) {
      if (!this.options.client) await client.close().catch(() => undefined);
      throw error instanceof LidexError
        ? error
        : new StoreUnavailableError(this.describe(), error);
    }
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    this.held.clear();
    await opened?.flow.releases.drained();
    opened?.flow.clear();
    if (opened && !this.options.client) await opened.client.close();
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    return this.runWrites.insertWorkflow(workflow, lease);
  }

  async claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    const claimed = await this.open().claims.claimReady(now, leases, options);
    for (const { id, leaseToken, steps } of claimed) {
      this.held.took(id, leaseToken, steps.map(stepKey));
    }
    return claimed;
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
    return this.runWrites.recordStep(workflowId, leaseToken, step, next);
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
    return this.runEnds.recordFinish(workflowId, leaseToken, finish);
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    return this.runEnds.recordFailure(workflowId, leaseToken, failure);
  }

  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    return this.open().signals.send(signal);
  }

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const doc = await this.open().workflows.findOne(byId(workflowId));
    return doc ? toStoredWorkflow(doc) : undefined;
  }

  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return leasedCounts(this.open().workflows, names);
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    return this.open().operations.list(query);
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    return this.open().operations.count(filter);
  }

  async cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const { workflows, operations, flow } = this.open();
    if (
      cancel.compensate &&
      (await cancelToCompensating(workflows, flow.flow, workflowId, now))
    )
      return true;
    const cancelled = await operations.cancel(workflowId, now, cancel.reason);
    // Its slots with it (a run's slot is otherwise deleted by its last write, which a cancel
    // refuses): the next workflow of its name and key is claimed at once, not once they are stale.
    if (cancelled) await flow.flow.deleteMany({ kind: 'slot', workflowId });
    return cancelled;
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.runEnds.recordCompensationStatus(
      workflowId,
      leaseToken,
      change,
    );
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    return this.open().operations.retry(workflowId, now);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.open().retention.delete(workflowId);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.open().retention.purge(purge);
  }

  /** The dashboard's charts (mongo.activity.ts): the workflows written since the window began. */
  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return mongoActivity(this.open().workflows, query);
  }

  serverTime(): Promise<number> {
    return mongoServerTime(this.open().client);
  }

  private databaseName(): string {
    return (
      this.options.database ??
      (this.options.url && databaseInUrl(this.options.url)) ??
      MONGO_DEFAULTS.database
    );
  }

  private open(): Opened {
    if (!this.opened)
      throw new Error(`${this.describe()} is not open (call init() first)`);
    return this.opened;
  }
}
