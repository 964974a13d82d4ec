import { cancelToCompensating } from './mongo.compensation';
import { mongoActivity } from './mongo.activity';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { ensureRetentionIndex, MongoRetention } from './mongo.retention';
import type { Collection, MongoClient } from 'mongodb';
import { mongoServerTime } from './mongo.clock';
import type { WorkflowCounts, WorkflowStatus } from '../../model';
import { InvalidArgumentError } from '../../errors/invalid-argument.error';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { messages } from '../../lidex.messages';
import { loadDriver } from '../load-driver';
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
import {
  ClaimDocumentClaims,
  type MongoClaims,
  SingleUpdateClaims,
} from './mongo.claims';
import {
  byId,
  type ClaimDocument,
  parentOf,
  stepKey,
  toStoredStep,
  toStoredWorkflow,
  type WorkflowDocument,
} from './mongo.documents';
import { isDuplicateKey, writing } from './mongo.errors';
import { HeldLeases } from './mongo.held-leases';
import { MongoOperations } from './mongo.operations';
import { MongoSchedules, type ScheduleDocument } from './mongo.schedules';
import { MONGO_DEFAULTS, type MongoStoreOptions } from './mongo.options';
import {
  detectServerProfile,
  ensureClaimReadIndex,
} from './mongo.server-profile';
import { MongoSignals } from './mongo.signals';
import { type FlowDocument, MongoFlowControl } from './mongo.flow-control';
import { ensureFlowIndexes } from './mongo.flow-setup';
import { ensureLeasedIndex, leasedCounts } from './mongo.slots';
import { WritesInFlight } from './mongo.writes-in-flight';
import {
  databaseInUrl,
  ensureIndex,
  ensureWorkflowIndexes,
  redact,
} from './mongo.setup';

/**
 * MongoDB's document limit is 16 MiB. A workflow is one document, so its input and all its
 * step results together must stay under it, with room for field names and ids.
 */
const MAX_WORKFLOW_BYTES = 15 * 1024 * 1024;

interface Opened {
  client: MongoClient;
  workflows: Collection<WorkflowDocument>;
  claims: MongoClaims;
  operations: MongoOperations;
  signals: MongoSignals;
  retention: MongoRetention;
  serialWrites: boolean;
  flow: MongoFlowControl;
}

/**
 * The filter of every lease-fenced write: exactly the keys of the `lidex_lease` index, as plain
 * values, so that servers without a query planner serve it from that index. Id and token are
 * strings, which a query never reads as operators.
 */
const leased = (id: string, leaseToken: string) => {
  if (typeof leaseToken !== 'string') {
    throw new InvalidArgumentError(
      messages.invalidId('A lease token', leaseToken),
    );
  }
  return { ...byId(id), leaseToken };
};

/**
 * A client for `url`. The driver parses the URL here, before any I/O: what it throws is a
 * malformed URL (a bad port, an unknown option), which no retry can fix.
 */
function openClient(
  Client: typeof MongoClient,
  url: string,
  timeoutMs: number,
): MongoClient {
  try {
    return new Client(url, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
    });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new InvalidOptionsError(
      'MongoStore url',
      typeof url === 'string' ? redact(url) : url,
      messages.invalidMongoUrl(redact(cause)),
    );
  }
}

/**
 * Workflows in MongoDB (the official driver). One document per workflow with its steps embedded;
 * every write after a claim is one update filtered by the lease token; ids are only ever values.
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

  /** From the server's profile (FerretDB 1.x: yes); read after `init()`. */
  get serialWritesPerWorkflow(): boolean {
    return this.opened?.serialWrites ?? true;
  }

  describe(): string {
    const where = this.options.url
      ? redact(this.options.url)
      : 'a shared MongoClient';
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
    const { MongoClient } = loadDriver<typeof import('mongodb')>(
      'mongodb',
      'MongoDB store',
    );
    const timeoutMs =
      this.options.connectTimeoutMs ?? MONGO_DEFAULTS.connectTimeoutMs;
    const client =
      this.options.client ??
      openClient(MongoClient, this.options.url!, timeoutMs);
    try {
      await client.connect();
      const db = client.db(this.databaseName());
      const workflows = db.collection<WorkflowDocument>(
        `${this.prefix}workflows`,
      );
      const claims = db.collection<ClaimDocument>(`${this.prefix}claims`);
      const flowDocs = db.collection<FlowDocument>(`${this.prefix}flow`);
      await ensureWorkflowIndexes(workflows);
      await ensureFlowIndexes(workflows, flowDocs);
      const flow = new MongoFlowControl(flowDocs, workflows);
      await ensureRetentionIndex(workflows);
      await ensureLeasedIndex(workflows);
      const profile = await detectServerProfile(db);
      if (!profile.plansQueries) await ensureClaimReadIndex(workflows);
      const arbitration =
        (this.options.claims ?? MONGO_DEFAULTS.claims) === 'auto'
          ? profile.claims
          : this.options.claims;
      if (arbitration === 'claim-documents') {
        await ensureIndex(claims, 'lidex_claims_at', { at: 1 }, false);
      }
      const signals = new MongoSignals(
        workflows,
        profile.atomicUpdates ? undefined : claims,
      );
      this.opened = {
        client,
        workflows,
        serialWrites: profile.serialWrites,
        retention: new MongoRetention(workflows, claims),
        claims:
          arbitration === 'claim-documents'
            ? new ClaimDocumentClaims(workflows, claims, signals, flow)
            : new SingleUpdateClaims(workflows, flow, !profile.plansQueries),
        flow,
        operations: new MongoOperations(
          workflows,
          profile.atomicUpdates,
          (workflowId) => this.inFlight.settled(workflowId),
        ),
        signals,
      };
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

  async insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    const { workflows } = this.open();
    try {
      await writing(() =>
        workflows.insertOne({
          _id: workflow.id,
          name: workflow.name,
          status: lease ? 'running' : 'idle',
          input: workflow.input,
          failures: 0,
          attempts: lease ? 1 : 0,
          readyAt: lease ? lease.until : workflow.now,
          ...(lease
            ? { leaseToken: lease.token, firstClaimedAt: workflow.now }
            : {}),
          priority: workflow.priority ?? 0,
          ...(workflow.concurrencyKey === undefined
            ? {}
            : { concurrencyKey: workflow.concurrencyKey }),
          // Created already claimed: the insert itself was the claim of epoch 1.
          epoch: lease ? 1 : 0,
          version: workflow.version ?? 1,
          ...(workflow.traceContext === undefined
            ? {}
            : { traceContext: workflow.traceContext }),
          createdAt: workflow.now,
          updatedAt: workflow.now,
          steps: [],
          stepKeys: [],
          ...parentOf(workflow),
          ...(workflow.deadlineAt === undefined
            ? {}
            : { deadlineAt: workflow.deadlineAt }),
        }),
      );
      if (lease) this.held.took(workflow.id, lease.token, []);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
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

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      this.open().workflows.updateOne(leased(workflowId, lease.token), {
        $set: { readyAt: lease.until },
      }),
    );
    if (matchedCount !== 1) {
      this.held.ended(lease.token);
      this.opened?.flow.forget(lease.token);
    }
    return matchedCount === 1;
  }

  async recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    const { workflows } = this.open();
    const key = stepKey(step);
    // A step known not to be recorded needs only the lease in the filter; any other keeps the
    // guard that makes a repeated write (its first answer lost) a no-op.
    const filter = this.held.firstWrite(workflowId, leaseToken, key)
      ? leased(workflowId, leaseToken)
      : { ...leased(workflowId, leaseToken), stepKeys: { $ne: key } };
    if (next.release) this.held.ended(leaseToken);
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      writing(() =>
        workflows.updateOne(filter, {
          $push: { steps: toStoredStep(step), stepKeys: key },
          $set: {
            readyAt: next.readyAt,
            updatedAt: next.now,
            ...(next.release ? { lastLease: leaseToken } : {}),
          },
          ...(next.release ? { $unset: { leaseToken: '' } } : {}),
        }),
      ),
    );
    if (matchedCount === 1) {
      if (next.release) this.freed(leaseToken, true);
      return true;
    }
    this.held.ended(leaseToken);
    // Not applied: either the lease is gone, or the step is already there. While this lease
    // still holds the workflow only it can have recorded the step (it was not there when the
    // lease was taken), so that was an earlier try of this very write, its answer lost.
    // A release is recognised by the lease that let go.
    const current = await workflows.findOne(byId(workflowId), {
      projection: { leaseToken: 1, lastLease: 1, status: 1, stepKeys: 1 },
    });
    if (!current?.stepKeys.includes(key)) return this.freed(leaseToken, false);
    if (current.leaseToken !== undefined) {
      return current.leaseToken === leaseToken || this.freed(leaseToken, false);
    }
    return this.freed(
      leaseToken,
      next.release &&
        current.lastLease === leaseToken &&
        current.status === 'running',
    );
  }

  async releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    this.held.ended(leaseToken);
    const { wait } = release;
    if (wait) {
      const released = await this.inFlight.track(workflowId, () =>
        this.open().signals.release(
          workflowId,
          leased(workflowId, leaseToken),
          leaseToken,
          {
            ...release,
            wait,
          },
        ),
      );
      return this.freed(
        leaseToken,
        released ||
          (await this.letGoBy(workflowId, leaseToken))?.status === 'running',
      );
    }
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      this.open().workflows.updateOne(leased(workflowId, leaseToken), {
        $set: {
          readyAt: release.readyAt,
          updatedAt: release.now,
          lastLease: leaseToken,
        },
        $unset: { leaseToken: '' },
      }),
    );
    return this.freed(
      leaseToken,
      matchedCount === 1 ||
        (await this.letGoBy(workflowId, leaseToken))?.status === 'running',
    );
  }

  async recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    const { workflows } = this.open();
    this.held.ended(leaseToken);
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      writing(() =>
        workflows.updateOne(leased(workflowId, leaseToken), {
          $set: {
            status: 'finished',
            result: finish.result,
            updatedAt: finish.now,
            lastLease: leaseToken,
          },
          $unset: { leaseToken: '', readyAt: '' },
        }),
      ),
    );
    return this.freed(
      leaseToken,
      matchedCount === 1 ||
        (await this.letGoBy(workflowId, leaseToken))?.status === 'finished',
    );
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { workflows } = this.open();
    this.held.ended(leaseToken);
    // No update pipelines (not every MongoDB-compatible server has them): read the count under
    // the lease, then write the new one in one update, fenced by the lease and that count.
    const current = await workflows.findOne(leased(workflowId, leaseToken), {
      projection: { failures: 1 },
    });
    if (!current) {
      const recorded = await this.failureAlreadyRecorded(
        workflowId,
        leaseToken,
      );
      this.freed(leaseToken, recorded !== undefined);
      return recorded;
    }
    const failures = current.failures + 1;
    const status: WorkflowStatus =
      failure.abort || failures >= failure.maxFailures ? 'aborted' : 'failed';
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      writing(() =>
        workflows.updateOne(
          {
            ...leased(workflowId, leaseToken),
            failures: { $eq: current.failures },
          },
          status === 'aborted'
            ? {
                $set: {
                  status,
                  failures,
                  error: failure.error,
                  updatedAt: failure.now,
                  lastLease: leaseToken,
                },
                $unset: { leaseToken: '', readyAt: '' },
              }
            : {
                $set: {
                  status,
                  failures,
                  error: failure.error,
                  readyAt: failure.retryAt,
                  updatedAt: failure.now,
                  lastLease: leaseToken,
                },
                $unset: { leaseToken: '' },
              },
        ),
      ),
    );
    this.freed(leaseToken, matchedCount === 1);
    if (matchedCount !== 1) return undefined;
    return { status, failures };
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
    const { workflows, operations } = this.open();
    if (
      cancel.compensate &&
      (await cancelToCompensating(workflows, workflowId, now))
    )
      return true;
    return operations.cancel(workflowId, now, cancel.reason);
  }

  async recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    const { workflows } = this.open();
    const ends = change.status !== 'compensating';
    if (ends) this.held.ended(leaseToken);
    const { matchedCount } = await this.inFlight.track(workflowId, () =>
      writing(() =>
        workflows.updateOne(leased(workflowId, leaseToken), {
          $set: {
            status: change.status,
            updatedAt: change.now,
            ...(change.error ? { error: { ...change.error } } : {}),
            ...(ends ? { lastLease: leaseToken } : {}),
          },
          ...(ends ? { $unset: { leaseToken: '', readyAt: '' } } : {}),
        }),
      ),
    );
    const applied =
      matchedCount === 1 ||
      (ends &&
        (await this.letGoBy(workflowId, leaseToken))?.status === change.status);
    return ends ? this.freed(leaseToken, applied) : applied;
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

  /**
   * After a write that let `leaseToken` go: if it was applied, the slots the lease holds are
   * deleted (sent after it, so that no claim counts them free while the workflow is still
   * leased; not waited for: this store's next claim waits for it);
   * if not, the lease was lost and whoever took the workflow over holds them. Answers `applied`.
   */
  private freed(leaseToken: string, applied: boolean): boolean {
    const { flow } = this.open();
    if (!applied) flow.forget(leaseToken);
    else flow.freed(leaseToken);
    return applied;
  }

  /** An earlier try of this failure write that was applied, its answer lost. */
  private async failureAlreadyRecorded(
    workflowId: string,
    leaseToken: string,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const doc = await this.letGoBy(workflowId, leaseToken);
    if (doc?.status !== 'failed' && doc?.status !== 'aborted') return undefined;
    return { status: doc.status, failures: doc.failures };
  }

  /** The workflow, if `leaseToken` was the last lease to let go of it and none holds it since. */
  private async letGoBy(workflowId: string, leaseToken: string) {
    const doc = await this.open().workflows.findOne(byId(workflowId), {
      projection: { status: 1, failures: 1, leaseToken: 1, lastLease: 1 },
    });
    return doc?.leaseToken === undefined && doc?.lastLease === leaseToken
      ? doc
      : undefined;
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
