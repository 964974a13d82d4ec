import { memoryActivity } from './memory.activity';
import type { ActivityBucket, ActivityQuery } from '../../model';
import { MemorySignals } from './memory.signals';
import { MemorySchedules } from './memory.schedules';
import {
  leasedCounts,
  MemoryFlowGate,
  PriorityReady,
} from './memory.flow-control';
import { claimableVersion } from './memory.versions';
import { hasEnded, purgeable } from './memory.retention';
import {
  applyCompensationStatus,
  cancelledBegin,
  hasCompensable,
} from './memory.compensation';
import type { WorkflowCounts, WorkflowStatus } from '../../model';
import {
  CANCELLABLE_STATUSES,
  flowFields,
  type ClaimOptions,
  type CancelRecord,
  noCounts,
  type ClaimedWorkflow,
  type CompensationStatusChange,
  type FailureRecord,
  type FinishRecord,
  type LeaseRelease,
  type NewSignal,
  type SignalDelivery,
  type StepOutcome,
  type Lease,
  type NewWorkflow,
  type Persistence,
  RETRYABLE_STATUSES,
  type StoredStep,
  type StoredWorkflow,
  type WorkflowPurge,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
  type LeasedCount,
} from '../persistence';

/**
 * Keeps workflows in this process's memory. Made for unit tests of apps that use Lidex:
 * nothing survives a restart, and it cannot be shared between processes.
 */
export class MemoryStore implements Persistence {
  readonly schedules = new MemorySchedules();
  readonly flowControl = true;
  readonly keyedRateLimits = true;
  private readonly workflows = new Map<string, StoredWorkflow>();
  private readonly ready = new PriorityReady();
  private readonly signals = new MemorySignals();
  /** `kind:id` of each workflow's recorded steps: recording one costs the same at any length. */
  private readonly stepKeys = new Map<string, Set<string>>();
  /** The lease that last let go of each workflow, until another claim: a repeat is its own. */
  private readonly lastLease = new Map<string, string>();
  /** The answer of each workflow's last recorded failure, for a repeat of that write. */
  private readonly lastFailure = new Map<
    string,
    { status: WorkflowStatus; failures: number }
  >();

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
    this.ready.setPriority(workflow.id, workflow.priority ?? 0);
    this.ready.schedule(workflow.id, lease ? lease.until : workflow.now);
    return Promise.resolve(true);
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
    const ids = this.ready.takeReady(
      now,
      leases.length,
      (id) => {
        const workflow = this.workflows.get(id)!;
        if (!claimableVersion(workflow, options) || !gate.accepts(workflow))
          return false;
        gate.taken(workflow);
        return true;
      },
      options?.oldestFirst,
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
    const key = `${step.kind}:${step.id}`;
    let keys = this.stepKeys.get(workflowId);
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) {
      // A release whose answer was lost: this lease let go, and recorded this very step.
      const repeat =
        next.release &&
        this.letGoBy(workflowId, leaseToken, 'running') &&
        keys?.has(key);
      return Promise.resolve(repeat === true);
    }
    if (!keys) this.stepKeys.set(workflowId, (keys = new Set()));
    // The first recorded is kept: a repeat only moves readyAt (and the lease) again.
    if (!keys.has(key)) {
      keys.add(key);
      workflow.steps.push({ ...step });
    }
    this.setReadyAt(workflow, next.readyAt);
    workflow.updatedAt = next.now;
    if (next.release) this.letGo(workflow);
    return Promise.resolve(true);
  }

  releaseLease(
    workflowId: string,
    leaseToken: string,
    release: LeaseRelease,
  ): Promise<boolean> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(this.letGoBy(workflowId, leaseToken, 'running'));
    }
    this.letGo(workflow);
    const { wait } = release;
    if (wait && MemorySignals.missed(workflow, wait)) {
      this.setReadyAt(workflow, release.now);
    } else {
      workflow.waitingFor = wait && { ...wait.for };
      this.setReadyAt(workflow, release.readyAt);
    }
    workflow.updatedAt = release.now;
    return Promise.resolve(true);
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
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(this.letGoBy(workflowId, leaseToken, 'finished'));
    }
    workflow.status = 'finished';
    workflow.result = finish.result;
    this.letGo(workflow);
    this.setReadyAt(workflow, undefined);
    workflow.updatedAt = finish.now;
    return Promise.resolve(true);
  }

  recordFailure(
    workflowId: string,
    leaseToken: string,
    failure: FailureRecord,
  ): Promise<{ status: WorkflowStatus; failures: number } | undefined> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) {
      const repeat =
        this.letGoBy(workflowId, leaseToken, 'failed') ||
        this.letGoBy(workflowId, leaseToken, 'aborted');
      const answer = repeat ? this.lastFailure.get(workflowId) : undefined;
      return Promise.resolve(answer && { ...answer });
    }
    workflow.failures += 1;
    workflow.status =
      failure.abort || workflow.failures >= failure.maxFailures
        ? 'aborted'
        : 'failed';
    workflow.error = { ...failure.error };
    this.letGo(workflow);
    this.setReadyAt(
      workflow,
      workflow.status === 'aborted' ? undefined : failure.retryAt,
    );
    workflow.updatedAt = failure.now;
    const answer = { status: workflow.status, failures: workflow.failures };
    this.lastFailure.set(workflowId, answer);
    return Promise.resolve({ ...answer });
  }

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    return Promise.resolve({
      ...workflow,
      error: workflow.error && { ...workflow.error },
      waitingFor: workflow.waitingFor && { ...workflow.waitingFor },
      parent: workflow.parent && { ...workflow.parent },
      steps: workflow.steps.map((step) => ({ ...step })),
      signals: MemorySignals.copy(workflow.signals),
    });
  }

  listWorkflows(query: WorkflowQuery): Promise<WorkflowSummaryRecord[]> {
    const { after } = query;
    const page = [...this.workflows.values()]
      .filter(
        (workflow) =>
          (query.status === undefined || workflow.status === query.status) &&
          (query.name === undefined || workflow.name === query.name) &&
          (query.version === undefined || workflow.version === query.version) &&
          (query.waiting === undefined ||
            workflow.waitingFor?.kind === query.waiting) &&
          (query.priority === undefined ||
            (workflow.priority ?? 0) === query.priority) &&
          (query.concurrencyKey === undefined ||
            workflow.concurrencyKey === query.concurrencyKey) &&
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
        version: workflow.version,
        ...flowFields(workflow.priority, workflow.concurrencyKey),
        error: workflow.error && { ...workflow.error },
        readyAt: workflow.readyAt,
        waitingFor: workflow.waitingFor && { ...workflow.waitingFor },
        createdAt: workflow.createdAt,
        updatedAt: workflow.updatedAt,
      })),
    );
  }

  activity(query: ActivityQuery): Promise<ActivityBucket[]> {
    return Promise.resolve(memoryActivity(this.workflows.values(), query));
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
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (cancel.compensate && workflow.status === 'compensating') {
      return Promise.resolve(true);
    }
    if (
      cancel.compensate &&
      CANCELLABLE_STATUSES.includes(workflow.status) &&
      hasCompensable(workflow)
    ) {
      workflow.status = 'compensating';
      workflow.leaseToken = undefined;
      workflow.waitingFor = undefined;
      this.lastLease.delete(workflowId);
      this.addStep(workflow, cancelledBegin(now));
      this.setReadyAt(workflow, now);
      workflow.updatedAt = now;
      return Promise.resolve(true);
    }
    if (CANCELLABLE_STATUSES.includes(workflow.status)) {
      workflow.status = 'cancelled';
      if (cancel.reason) workflow.error = { ...cancel.reason };
      workflow.leaseToken = undefined;
      workflow.waitingFor = undefined;
      this.lastLease.delete(workflowId);
      this.setReadyAt(workflow, undefined);
      workflow.updatedAt = now;
    }
    return Promise.resolve(workflow.status === 'cancelled');
  }

  recordCompensationStatus(
    workflowId: string,
    leaseToken: string,
    change: CompensationStatusChange,
  ): Promise<boolean> {
    const workflow = this.leased(workflowId, leaseToken);
    if (!workflow) {
      return Promise.resolve(
        change.status !== 'compensating' &&
          this.letGoBy(workflowId, leaseToken, change.status),
      );
    }
    applyCompensationStatus(workflow, change);
    if (change.status !== 'compensating') {
      this.letGo(workflow);
      this.setReadyAt(workflow, undefined);
    }
    return Promise.resolve(true);
  }

  /** Adds a record the store writes itself, once per kind and id. */
  private addStep(workflow: StoredWorkflow, step: StoredStep): void {
    const key = `${step.kind}:${step.id}`;
    let keys = this.stepKeys.get(workflow.id);
    if (!keys) this.stepKeys.set(workflow.id, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    workflow.steps.push({ ...step });
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
    this.lastLease.delete(workflowId);
    this.setReadyAt(workflow, now);
    workflow.updatedAt = now;
    return Promise.resolve(true);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    const workflow = this.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (!hasEnded(workflow)) return Promise.resolve(false);
    this.forget(workflowId);
    return Promise.resolve(true);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    const ids = purgeable(this.workflows.values(), purge);
    for (const id of ids) this.forget(id);
    return Promise.resolve(ids.length);
  }

  /** Drops everything kept of a workflow that ended. */
  private forget(workflowId: string): void {
    this.workflows.delete(workflowId);
    this.ready.schedule(workflowId, undefined);
    this.signals.forget(workflowId);
    this.stepKeys.delete(workflowId);
    this.lastLease.delete(workflowId);
    this.lastFailure.delete(workflowId);
  }

  private setReadyAt(
    workflow: StoredWorkflow,
    readyAt: number | undefined,
  ): void {
    workflow.readyAt = readyAt;
    this.ready.schedule(workflow.id, readyAt);
  }

  /** Gives up the workflow's lease, remembering which lease let go. */
  private letGo(workflow: StoredWorkflow): void {
    if (workflow.leaseToken !== undefined) {
      this.lastLease.set(workflow.id, workflow.leaseToken);
    }
    workflow.leaseToken = undefined;
  }

  /** Whether `leaseToken` was the last to let go of the workflow, now in `status` if given. */
  private letGoBy(
    workflowId: string,
    leaseToken: string,
    status?: WorkflowStatus,
  ): boolean {
    const workflow = this.workflows.get(workflowId);
    return (
      workflow !== undefined &&
      workflow.leaseToken === undefined &&
      this.lastLease.get(workflowId) === leaseToken &&
      (status === undefined || workflow.status === status)
    );
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
