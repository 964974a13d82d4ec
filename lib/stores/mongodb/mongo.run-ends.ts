import type { WorkflowStatus } from '../../model';
import type {
  CompensationStatusChange,
  FailureRecord,
  FinishRecord,
} from '../persistence';
import { stepKey, toStoredStep } from './mongo.documents';
import { writing } from './mongo.errors';
import { leased, LeaseFencedWrites } from './mongo.lease-fence';

/**
 * The writes that end a run's hold on its workflow in the MongoDB store: finished, failed (to
 * retry or aborted), and the compensation's status.
 */
export class MongoRunEnds extends LeaseFencedWrites {
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
          // The run's last step, in the same update: both or neither.
          ...(finish.step
            ? {
                $push: {
                  steps: toStoredStep(finish.step),
                  stepKeys: stepKey(finish.step),
                },
              }
            : {}),
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

  /** An earlier try of this failure write that was applied, its answer lost. */
  private async failureAlreadyRecorded(
    workflowId: string,
    leaseToken: string,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const doc = await this.letGoBy(workflowId, leaseToken);
    if (doc?.status !== 'failed' && doc?.status !== 'aborted') return undefined;
    return { status: doc.status, failures: doc.failures };
  }
}
