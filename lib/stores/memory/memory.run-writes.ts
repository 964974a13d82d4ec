import type { WorkflowStatus } from '../../model';
import {
  flowFields,
  type CompensationStatusChange,
  type FailureRecord,
  type FinishRecord,
  type Lease,
  type LeaseRelease,
  type NewWorkflow,
  type StepOutcome,
  type StoredStep,
} from '../persistence';
import { applyCompensationStatus } from './memory.compensation';
import { MemorySignals } from './memory.signals';
import type { MemoryState } from './memory.state';

/**
 * A run's writes in the memory store, each applied only under the run's lease: the workflow
 * created (perhaps already claimed), the lease renewed, steps, release, finish, failure and the
 * compensation's status.
 */
export class MemoryRunWrites {
  constructor(private readonly state: MemoryState) {}

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    if (this.state.workflows.has(workflow.id)) return Promise.resolve(false);
    this.state.workflows.set(workflow.id, {
      id: workflow.id,
      name: workflow.name,
      status: lease ? 'running' : 'idle',
      input: workflow.input,
      failures: 0,
      attempts: lease ? 1 : 0,
      version: workflow.version ?? 1,
      ...flowFields(workflow.priority, workflow.concurrencyKey),
      ...(workflow.traceContext === undefined
        ? {}
        : { traceContext: workflow.traceContext }),
      ...(lease ? { firstClaimedAt: workflow.now } : {}),
      readyAt: lease ? lease.until : workflow.now,
      leaseToken: lease?.token,
      createdAt: workflow.now,
      updatedAt: workflow.now,
      steps: [],
      signals: [],
      deadlineAt: workflow.deadlineAt,
      ...(workflow.parent && { parent: { ...workflow.parent } }),
    });
    this.state.ready.setPriority(workflow.id, workflow.priority ?? 0);
    this.state.ready.schedule(workflow.id, lease ? lease.until : workflow.now);
    return Promise.resolve(true);
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const workflow = this.state.leased(workflowId, lease.token);
    if (workflow) this.state.setReadyAt(workflow, lease.until);
    return Promise.resolve(workflow !== undefined);
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    const workflow = this.state.leased(workflowId, leaseToken);
    if (!workflow) {
      // A release whose answer was lost: this lease let go, and recorded this very step.
      const repeat =
        next.release &&
        this.state.letGoBy(workflowId, leaseToken, 'running') &&
        this.state.stepKeys.get(workflowId)?.has(stepKey(step));
      return Promise.resolve(repeat === true);
    }
    this.addStep(workflow, step);
    if (next.readyAt !== undefined)
      this.state.setReadyAt(workflow, next.readyAt);
    workflow.updatedAt = next.now;
    if (next.release) this.state.letGo(workflow);
    return Promise.resolve(true);
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const workflow = this.state.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(
        this.state.letGoBy(workflowId, leaseToken, 'running'),
      );
    }
    this.state.letGo(workflow);
    const { wait } = release;
    if (wait && MemorySignals.missed(workflow, wait)) {
      this.state.setReadyAt(workflow, release.now);
    } else {
      workflow.waitingFor = wait && { ...wait.for };
      this.state.setReadyAt(workflow, release.readyAt);
    }
    workflow.updatedAt = release.now;
    return Promise.resolve(true);
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    const workflow = this.state.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(
        this.state.letGoBy(workflowId, leaseToken, 'finished'),
      );
    }
    if (finish.step) this.addStep(workflow, finish.step);
    workflow.status = 'finished';
    workflow.result = finish.result;
    this.state.letGo(workflow);
    this.state.setReadyAt(workflow, undefined);
    workflow.updatedAt = finish.now;
    return Promise.resolve(true);
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const workflow = this.state.leased(workflowId, leaseToken);
    if (!workflow) {
      const repeat =
        this.state.letGoBy(workflowId, leaseToken, 'failed') ||
        this.state.letGoBy(workflowId, leaseToken, 'aborted');
      const answer = repeat
        ? this.state.lastFailure.get(workflowId)
        : undefined;
      return Promise.resolve(answer && { ...answer });
    }
    workflow.failures += 1;
    workflow.status =
      failure.abort || workflow.failures >= failure.maxFailures
        ? 'aborted'
        : 'failed';
    workflow.error = { ...failure.error };
    this.state.letGo(workflow);
    this.state.setReadyAt(
      workflow,
      workflow.status === 'aborted' ? undefined : failure.retryAt,
    );
    workflow.updatedAt = failure.now;
    const answer = { status: workflow.status, failures: workflow.failures };
    this.state.lastFailure.set(workflowId, answer);
    return Promise.resolve({ ...answer });
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    const workflow = this.state.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(
        change.status !== 'compensating' &&
          this.state.letGoBy(workflowId, leaseToken, change.status),
      );
    }
    applyCompensationStatus(workflow, change);
    if (change.status !== 'compensating') {
      this.state.letGo(workflow);
      this.state.setReadyAt(workflow, undefined);
    }
    return Promise.resolve(true);
  }

  /** Adds a step to the workflow's records; the first recorded of a key is kept. */
  private addStep(
    workflow: { id: string; steps: StoredStep[] },
    step: StoredStep,
  ): void {
    let keys = this.state.stepKeys.get(workflow.id);
    if (!keys) this.state.stepKeys.set(workflow.id, (keys = new Set()));
    const key = stepKey(step);
    if (keys.has(key)) return;
    keys.add(key);
    workflow.steps.push({ ...step });
  }
}

const stepKey = (step: StoredStep): string => `${step.kind}:${step.id}`;
