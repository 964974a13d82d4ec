import type { Collection, MongoClient } from 'mongodb';
import type { WorkflowError, WorkflowStatus } from '../../engine/types';
import { LidexError } from '../../errors/lidex.error';
import { StoreUnavailableError } from '../../errors/store-unavailable.error';
import { ValueNotStorableError } from '../../errors/value-not-storable.error';
import { messages } from '../../lidex.messages';
import type {
  ClaimedWorkflow,
  Lease,
  NewWorkflow,
  Persistence,
  StoredStep,
  StoredWorkflow,
} from '../persistence';
import {
  claimId,
  type ClaimDocument,
  stepKey,
  toStoredStep,
  toStoredWorkflow,
  type WorkflowDocument,
} from './mongo.documents';
import type { MongoStoreOptions } from './mongo.options';

/** How many ready workflows one claim reads at a time. */
const CLAIM_CANDIDATES = 5;

/**
 * MongoDB's document limit is 16 MiB. A workflow is one document, so its input and all its
 * step results together must stay under it, with room for field names and ids.
 */
const MAX_WORKFLOW_BYTES = 15 * 1024 * 1024;

/**
 * Workflows in MongoDB (the official driver). One document per workflow with its steps embedded;
 * every write after a claim is one update filtered by the lease token; ids are only ever values.
 */
export class MongoStore implements Persistence {
  readonly maxValueBytes = MAX_WORKFLOW_BYTES;
  readonly maxWorkflowBytes = MAX_WORKFLOW_BYTES;
  private client?: MongoClient;
  private ownsClient = false;
  private workflows?: Collection<WorkflowDocument>;
  private claims?: Collection<ClaimDocument>;
  private databaseName = '';

  constructor(private readonly options: MongoStoreOptions) {
    if (!options.url === !options.client) {
      throw new StoreUnavailableError(
        'MongoDB store',
        new Error('give MongoStore either `url` or `client` (exactly one)'),
      );
    }
  }

  describe(): string {
    const where = this.options.url
      ? redact(this.options.url)
      : 'a shared MongoClient';
    const prefix = this.options.collectionPrefix ?? 'lidex_';
    return `MongoDB ${where}, database "${this.databaseName || this.options.database || '?'}", collections ${prefix}workflows and ${prefix}claims`;
  }

  async init(): Promise<void> {
    if (this.workflows) return;
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    try {
      const { MongoClient } = loadDriver();
      const client =
        this.options.client ??
        new MongoClient(this.options.url!, {
          serverSelectionTimeoutMS: timeoutMs,
          connectTimeoutMS: timeoutMs,
        });
      this.ownsClient = !this.options.client;
      await client.connect();
      const urlDatabase = client.options.dbName;
      this.databaseName =
        this.options.database ??
        (this.options.url && urlDatabase && urlDatabase !== 'test'
          ? urlDatabase
          : 'lidex');
      const db = client.db(this.databaseName);
      const prefix = this.options.collectionPrefix ?? 'lidex_';
      const workflows = db.collection<WorkflowDocument>(`${prefix}workflows`);
      const claims = db.collection<ClaimDocument>(`${prefix}claims`);
      // Only workflows that can still run carry `readyAt`, so the sparse index holds just those:
      // claiming costs the same however many finished workflows the collection keeps.
      await workflows.createIndex(
        { readyAt: 1 },
        { name: 'lidex_ready', sparse: true },
      );
      await claims.createIndex(
        { workflowId: 1 },
        { name: 'lidex_claims_workflow' },
      );
      this.client = client;
      this.workflows = workflows;
      this.claims = claims;
    } catch (error) {
      if (this.ownsClient) await this.client?.close().catch(() => undefined);
      throw error instanceof LidexError
        ? error
        : new StoreUnavailableError(this.describe(), error);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.workflows = undefined;
    this.claims = undefined;
    if (client && this.ownsClient) await client.close();
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
          readyAt: lease ? lease.until : workflow.now,
          ...(lease ? { leaseToken: lease.token } : {}),
          // Created already claimed: the insert itself was the claim of epoch 1.
          epoch: lease ? 1 : 0,
          createdAt: workflow.now,
          updatedAt: workflow.now,
          steps: [],
          stepKeys: [],
        }),
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async claimNextReady(
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    const { workflows } = this.open();
    // Oldest first. Candidates another instance won meanwhile are skipped, and the next ones
    // looked at, so that instances polling together do not come back empty-handed.
    const contended: string[] = [];
    for (;;) {
      const candidates = await workflows
        .find(
          contended.length > 0
            ? { readyAt: { $lte: now }, _id: { $nin: contended } }
            : { readyAt: { $lte: now } },
          {
            sort: { readyAt: 1 },
            limit: CLAIM_CANDIDATES,
            projection: { _id: 1, epoch: 1 },
          },
        )
        .toArray();
      if (candidates.length === 0) return undefined;
      for (const candidate of candidates) {
        const claimed = await this.claim(
          candidate._id,
          candidate.epoch,
          now,
          lease,
        );
        if (claimed) return claimed;
        contended.push(candidate._id);
      }
    }
  }

  async renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const { workflows } = this.open();
    const { matchedCount } = await workflows.updateOne(
      { _id: workflowId, leaseToken: lease.token },
      { $set: { readyAt: lease.until } },
    );
    return matchedCount === 1;
  }

  async recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: { readyAt: number; release: boolean; now: number },
  ): Promise<boolean> {
    const { workflows } = this.open();
    const key = stepKey(step);
    const { matchedCount } = await writing(() =>
      workflows.updateOne(
        { _id: workflowId, leaseToken, stepKeys: { $ne: key } },
        {
          $push: { steps: toStoredStep(step), stepKeys: key },
          $set: { readyAt: next.readyAt, updatedAt: next.now },
          ...(next.release ? { $unset: { leaseToken: '' } } : {}),
        },
      ),
    );
    if (matchedCount === 1) return true;
    const held = await workflows.countDocuments(
      { _id: workflowId, leaseToken },
      { limit: 1 },
    );
    if (held === 1)
      throw new Error(
        `${step.kind} ${JSON.stringify(step.id)} is already recorded`,
      );
    return false;
  }

  async releaseLease(
    workflowId: string,
    leaseToken: string,
    readyAt: number,
    now: number,
  ): Promise<boolean> {
    const { workflows } = this.open();
    const { matchedCount } = await workflows.updateOne(
      { _id: workflowId, leaseToken },
      { $set: { readyAt, updatedAt: now }, $unset: { leaseToken: '' } },
    );
    return matchedCount === 1;
  }

  async recordFinish(
    workflowId: string,
    leaseToken: string,
    result: string,
    now: number,
  ): Promise<boolean> {
    const { workflows } = this.open();
    const { matchedCount } = await writing(() =>
      workflows.updateOne(
        { _id: workflowId, leaseToken },
        {
          $set: { status: 'finished', result, updatedAt: now },
          $unset: { leaseToken: '', readyAt: '' },
        },
      ),
    );
    if (matchedCount === 1) await this.forgetClaims(workflowId);
    return matchedCount === 1;
  }

  async recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: {
      error: WorkflowError;
      retryAt: number;
      maxFailures: number;
      now: number;
    },
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const { workflows } = this.open();
    // Counting first, while the lease is still held, keeps the count right without an
    // update pipeline (which not every MongoDB-compatible server has).
    const counted = await workflows.findOneAndUpdate(
      { _id: workflowId, leaseToken },
      { $inc: { failures: 1 }, $set: { updatedAt: failure.now } },
      { returnDocument: 'after' },
    );
    if (!counted) return undefined;
    const failures = counted.failures;
    const status: WorkflowStatus =
      failures >= failure.maxFailures ? 'aborted' : 'failed';
    const { matchedCount } = await writing(() =>
      workflows.updateOne(
        { _id: workflowId, leaseToken },
        status === 'aborted'
          ? {
              $set: { status, error: failure.error },
              $unset: { leaseToken: '', readyAt: '' },
            }
          : {
              $set: { status, error: failure.error, readyAt: failure.retryAt },
              $unset: { leaseToken: '' },
            },
      ),
    );
    if (matchedCount !== 1) return undefined;
    if (status === 'aborted') await this.forgetClaims(workflowId);
    return { status, failures };
  }

  async getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const { workflows } = this.open();
    const doc = await workflows.findOne({ _id: workflowId });
    return doc ? toStoredWorkflow(doc) : undefined;
  }

  /**
   * Claims epoch `epoch + 1` of one workflow: first the claim document (unique, so one instance
   * wins it), then the workflow itself, if it is still at that epoch and still ready.
   */
  private async claim(
    workflowId: string,
    epoch: number,
    now: number,
    lease: Lease,
  ): Promise<ClaimedWorkflow | undefined> {
    const { workflows, claims } = this.open();
    const staleAfterMs = Math.max(lease.until - now, 1);
    let next = epoch + 1;
    for (;;) {
      try {
        await claims.insertOne({
          _id: claimId(workflowId, next),
          workflowId,
          at: now,
        });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Someone claimed this epoch. If that was long ago and the workflow never moved on,
        // the claimer died half-way: try the epoch after it.
        const existing = await claims.findOne({
          _id: claimId(workflowId, next),
        });
        if (!existing || existing.at > now - staleAfterMs) return undefined;
        next += 1;
      }
    }
    const doc = await workflows.findOneAndUpdate(
      { _id: workflowId, epoch, readyAt: { $lte: now } },
      {
        $set: {
          epoch: next,
          status: 'running',
          leaseToken: lease.token,
          readyAt: lease.until,
          updatedAt: now,
        },
      },
      { returnDocument: 'after' },
    );
    if (!doc) {
      await claims.deleteOne({ _id: claimId(workflowId, next) });
      return undefined;
    }
    return {
      id: doc._id,
      name: doc.name,
      input: doc.input,
      failures: doc.failures,
      leaseToken: lease.token,
      steps: doc.steps.map(toStoredStep),
    };
  }

  private async forgetClaims(workflowId: string): Promise<void> {
    await this.open().claims.deleteMany({ workflowId });
  }

  private open(): {
    workflows: Collection<WorkflowDocument>;
    claims: Collection<ClaimDocument>;
  } {
    if (!this.workflows || !this.claims) {
      throw new Error(`${this.describe()} is not open (call init() first)`);
    }
    return { workflows: this.workflows, claims: this.claims };
  }
}

/** Turns "document too large" failures into the error users get for any unstorable value. */
async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isTooLarge(error)) {
      throw new ValueNotStorableError(
        messages.documentTooLarge(
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
    throw error;
  }
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

function isTooLarge(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return (
    code === 10334 ||
    code === 17419 ||
    code === 17420 ||
    /too large|larger than the maximum/i.test(message)
  );
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function loadDriver(): typeof import('mongodb') {
  try {
    // Loaded lazily: apps on another store never need the driver.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('mongodb') as typeof import('mongodb');
  } catch (error) {
    throw new StoreUnavailableError(
      'MongoDB store',
      new Error(messages.driverMissing('mongodb', 'MongoDB store'), {
        cause: error,
      }),
    );
  }
}
