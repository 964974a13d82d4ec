import { ReadyQueue } from './ready-queue';
import type { WorkflowCounts, WorkflowStatus } from '../../engine/types';
import {
  CANCELLABLE_STATUSES,
  noCounts,
  type ClaimedWorkflow,
  type FailureRecord,
  type StepOutcome,
  type Lease,
  type NewWorkflow,
  type Persistence,
  RETRYABLE_STATUSES,
  type StoredStep,
  type StoredWorkflow,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';

/**
 * Keeps workflows in this process's memory. Made for unit tests of apps that use Lidex:
 * nothing survives a restart, and it cannot be shared between processes.
 */
export class MemoryStore implements Persistence {
  private readonly workflows = new Map<string, StoredWorkflow>();
  private readonly ready = new ReadyQueue();
  /** `kind:id` of each workflow's recorded steps: recording one costs the same at any length. */
  private readonly stepKeys = new Map<string, Set<string>>();

  init(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  describe(): string {
    return 'memory (not durable: lost when the process exits)';
  }

  insertWorkflow(workflow: NewWorkflow, lease?: Lease): Promise<boolean> {
    if (this.workflows.has(workflow.id)) return Promise.resolve(false);
    this.workflows.set(workflow.id, {
      id: workflow.id,
      name: workflow.name,
      status: lease ? 'running' : 'idle',
      input: workflow.input,
      failures: 0,
      attempts: lease ? 1 : 0,
      readyAt: lease ? lease.until : workflow.now,
      leaseToken: lease?.token,
      createdAt: workflow.now,
      updatedAt: workflow.now,
      steps: [],
    });
    this.ready.schedule(workflow.id, lease ? lease.until : workflow.now);
    return Promise.resolve(true);
  }

  claimReady(now: number, leases: Lease[]): Promise<ClaimedWorkflow[]> {
    const ids = this.ready.takeReady(now, leases.length);
    return Promise.resolve(
      ids.map((id, i) => {
        const workflow = this.workflows.get(id)!;
        const lease = leases[i];
        workflow.status = 'running';
        workflow.attempts += 1;
        workflow.leaseToken = lease.token;
        this.setReadyAt(workflow, lease.until);
        workflow.updatedAt = now;
        return {
          id: workflow.id,
          name: workflow.name,
          input: workflow.input,
          failures: workflow.failures,
          leaseToken: lease.token,
          steps: workflow.steps.map((step) => ({ ...step })),
        };
      }),
    );
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    const workflow = this.leased(workflowId, lease.token);
    if (workflow) this.setReadyAt(workflow, lease.until);
    return Promise.resolve(workflow !== undefined);
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) return Promise.resolve(false);
    const key = `${step.kind}:${step.id}`;
    let keys = this.stepKeys.get(workflowId);
    if (!keys) this.stepKeys.set(workflowId, (keys = new Set()));
    if (keys.has(key)) {
      return Promise.reject(
        new Error(`${step.kind} ${step.id} is already recorded`),
      );
    }
    keys.add(key);
    workflow.steps.push({ ...step });
    this.setReadyAt(workflow, next.readyAt);
    workflow.updatedAt = next.now;
    if (next.release) workflow.leaseToken = undefined;
    return Promise.resolve(true);
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    readyAt: number,
    now: number,
  ): Promise<boolean> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) return Promise.resolve(false);
    workflow.leaseToken = undefined;
    this.setReadyAt(workflow, readyAt);
    workflow.updatedAt = now;
    return Promise.resolve(true);
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    result: string,
    now: number,
  ): Promise<boolean> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) return Promise.resolve(false);
    workflow.status = 'finished';
    workflow.result = result;
    workflow.leaseToken = undefined;
    this.setReadyAt(workflow, undefined);
    workflow.updatedAt = now;
    return Promise.resolve(true);
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) return Promise.resolve(undefined);
    workflow.failures += 1;
    workflow.status =
      failure.abort || workflow.failures >= failure.maxFailures
        ? 'aborted'
        : 'failed';
    workflow.error = { ...failure.error };
    workflow.leaseToken = undefined;
    this.setReadyAt(
      workflow,
      workflow.status === 'aborted' ? undefined : failure.retryAt,
    );
    workflow.updatedAt = failure.now;
    return Promise.resolve({
      status: workflow.status,
      failures: workflow.failures,
    });
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    return Promise.resolve({
      ...workflow,
      error: workflow.error && { ...workflow.error },
      steps: workflow.steps.map((step) => ({ ...step })),
    });
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const { after } = query;
    const page = [...this.workflows.values()]
      .filter(
        (workflow) =>
          (query.status === undefined || workflow.status === query.status) &&
          (query.name === undefined || workflow.name === query.name) &&
          (after === undefined || newestFirst(workflow, after) > 0),
      )
      .sort(newestFirst)
      .slice(0, query.limit);
    return Promise.resolve(
      page.map((workflow) => ({
        id: workflow.id,
        name: workflow.name,
        status: workflow.status,
        failures: workflow.failures,
        attempts: workflow.attempts,
        error: workflow.error && { ...workflow.error },
        readyAt: workflow.readyAt,
        createdAt: workflow.createdAt,
        updatedAt: workflow.updatedAt,
      })),
    );
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const counts = noCounts();
    for (const workflow of this.workflows.values()) {
      if (filter.name === undefined || workflow.name === filter.name) {
        counts[workflow.status] += 1;
      }
    }
    return Promise.resolve(counts);
  }

  cancelWorkflow(
    workflowId: string,
    now: number,
  ): Promise<boolean | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (CANCELLABLE_STATUSES.includes(workflow.status)) {
      workflow.status = 'cancelled';
      workflow.leaseToken = undefined;
      this.setReadyAt(workflow, undefined);
      workflow.updatedAt = now;
    }
    return Promise.resolve(workflow.status === 'cancelled');
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (!RETRYABLE_STATUSES.includes(workflow.status)) {
      return Promise.resolve(false);
    }
    workflow.status = 'idle';
    workflow.failures = 0;
    workflow.leaseToken = undefined;
    this.setReadyAt(workflow, now);
    workflow.updatedAt = now;
    return Promise.resolve(true);
  }

  private setReadyAt(
    workflow: StoredWorkflow,
    readyAt: number | undefined,
  ): void {
    workflow.readyAt = readyAt;
    this.ready.schedule(workflow.id, readyAt);
  }

  private leased(
    workflowId: string,
    leaseToken: string,
  ): StoredWorkflow | undefined {
    const workflow = this.workflows.get(workflowId);
    return workflow?.leaseToken === leaseToken ? workflow : undefined;
  }
}

/** Newest first: later `createdAt` first, then the greater id. Negative when `a` comes first. */
function newestFirst(
  a: Pick<StoredWorkflow, 'createdAt' | 'id'>,
  b: Pick<StoredWorkflow, 'createdAt' | 'id'>,
): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
