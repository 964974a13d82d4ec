import type {
  Lease,
  LeaseRelease,
  NewWorkflow,
  StepOutcome,
  StoredStep,
} from '../persistence';
import { byId, parentOf, stepKey, toStoredStep } from './mongo.documents';
import { isDuplicateKey, writing } from './mongo.errors';
import { leased, LeaseFencedWrites } from './mongo.lease-fence';

/**
 * A run's writes while it holds its workflow in the MongoDB store: the workflow created already
 * claimed, the lease renewed, a step recorded, the lease released (to sleep or wait).
 */
export class MongoRunWrites extends LeaseFencedWrites {
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
            ...(next.readyAt === undefined ? {} : { readyAt: next.readyAt }),
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
}
