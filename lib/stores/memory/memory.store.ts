import { memoryActivity } from './memory.activity';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { MemorySignals } from './memory.signals';
import { MemorySchedules } from './memory.schedules';
import { leasedCounts, MemoryFlowGate } from './memory.flow-control';
import { claimableVersion } from './memory.versions';
import { MemoryOperations } from './memory.operations';
import { MemoryReads } from './memory.reads';
import { MemoryRunWrites } from './memory.run-writes';
import { MemoryState } from './memory.state';
import type { WorkflowCounts, WorkflowStatus } from '../../model';
import type {
  ClaimOptions,
  CancelRecord,
  ClaimedWorkflow,
  CompensationStatusChange,
  FailureRecord,
  FinishRecord,
  LeaseRelease,
  NewSignal,
  SignalDelivery,
  StepOutcome,
  Lease,
  NewWorkflow,
  Persistence,
  StoredStep,
  StoredWorkflow,
  WorkflowPurge,
  WorkflowQuery,
  WorkflowSummaryRecord,
  LeasedCount,
} from '../persistence';

/**
 * Keeps workflows in this process's memory. Made for unit tests of apps that use Lidex:
 * nothing survives a restart, and it cannot be shared between processes. What it keeps is in
 * `memory.state.ts`; a run's writes in `memory.run-writes.ts`, the reads in `memory.reads.ts`,
 * operators' requests in `memory.operations.ts`; this class claims and delegates.
 */
export class MemoryStore implements Persistence {
  readonly schedules = new MemorySchedules();
  readonly stepKeepsLease = true;
  readonly finishTakesStep = true;
  readonly flowControl = true;
  readonly keyedRateLimits = true;
  private readonly state = new MemoryState();
  private readonly workflows = this.state.workflows;
  private readonly ready = this.state.ready;
  private readonly signals = this.state.signals;
  private readonly lastLease = this.state.lastLease;
  private readonly writes = new MemoryRunWrites(this.state);
  private readonly reads = new MemoryReads(this.state);
  private readonly operations = new MemoryOperations(this.state);

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
    return this.writes.insertWorkflow(workflow, lease);
  }

  leasedCounts(names: readonly string[]): Promise<LeasedCount[]> {
    return Promise.resolve(leasedCounts(this.workflows.values(), names));
  }

  claimReady(
    now: number,
    leases: Lease[],
    _takeOver?: unknown,
    options?: ClaimOptions,
  ): Promise<ClaimedWorkflow[]> {
    const gate = new MemoryFlowGate(options, this.workflows.values(), now);
    const ids: string[] = [];
    const accept = (id: string) => {
      const workflow = this.workflows.get(id)!;
      if (ids.includes(id) || !claimableVersion(workflow, options))
        return false;
      if (!gate.accepts(workflow)) return false;
      gate.taken(workflow);
      return true;
    };
    // A cancelled workflow's compensations take the next free slot, before those waiting.
    for (const id of gate.compensatingFirst()) {
      if (ids.length < leases.length && accept(id)) ids.push(id);
    }
    ids.push(
      ...this.ready.takeReady(
        now,
        leases.length - ids.length,
        accept,
        options?.oldestFirst,
      ),
    );
    return Promise.resolve(
      ids.map((id, i) => {
        const workflow = this.workflows.get(id)!;
        const lease = leases[i];
        // A compensating workflow stays so while its compensations run.
        if (workflow.status !== 'compensating') workflow.status = 'running';
        workflow.firstClaimedAt ??= now;
        workflow.attempts += 1;
        workflow.leaseToken = lease.token;
        workflow.waitingFor = undefined;
        this.lastLease.delete(id);
        this.setReadyAt(workflow, lease.until);
        workflow.updatedAt = now;
        return {
          id: workflow.id,
          name: workflow.name,
          input: workflow.input,
          leaseToken: lease.token,
          version: workflow.version,
          steps: workflow.steps.map((step) => ({ ...step })),
          signals: MemorySignals.copy(workflow.signals),
          deadlineAt: workflow.deadlineAt,
          ...(workflow.traceContext === undefined
            ? {}
            : { traceContext: workflow.traceContext }),
          ...(workflow.parent && { parent: { ...workflow.parent } }),
        };
      }),
    );
  }

  renewLease(workflowId: string, lease: Lease): Promise<boolean> {
    return this.writes.renewLease(workflowId, lease);
  }

  recordStep(
    workflowId: string,
    leaseToken: string,
    step: StoredStep,
    next: StepOutcome,
  ): Promise<boolean> {
    return this.writes.recordStep(workflowId, leaseToken, step, next);
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    return this.writes.releaseLease(workflowId, leaseToken, release);
  }

  sendSignal(signal: NewSignal): Promise<SignalDelivery> {
    const workflow = this.workflows.get(signal.workflowId);
    return Promise.resolve(
      this.signals.send(workflow, signal, (woken) => {
        this.setReadyAt(woken, signal.now);
        woken.updatedAt = signal.now;
      }),
    );
  }

  recordFinish(
    workflowId: string,
    leaseToken: string,
    finish: FinishRecord,
  ): Promise<boolean> {
    return this.writes.recordFinish(workflowId, leaseToken, finish);
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    return this.writes.recordFailure(workflowId, leaseToken, failure);
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    return this.reads.getWorkflow(workflowId);
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    return this.reads.listWorkflows(query);
  }

  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return Promise.resolve(memoryActivity(this.workflows.values(), query));
  }

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    return this.reads.countWorkflows(filter);
  }

  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    return this.operations.cancelWorkflow(workflowId, now, cancel);
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    return this.writes.recordCompensationStatus(workflowId, leaseToken, change);
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    return this.operations.retryWorkflow(workflowId, now);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    return this.operations.deleteWorkflow(workflowId);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    return this.operations.purgeWorkflows(purge);
  }

  private setReadyAt(
    workflow: StoredWorkflow,
    readyAt: number | undefined,
  ): void {
    this.state.setReadyAt(workflow, readyAt);
  }
}
