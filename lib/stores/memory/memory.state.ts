import type { WorkflowStatus } from '../../model';
import type { StoredStep, StoredWorkflow } from '../persistence';
import { PriorityReady } from './memory.flow-control';
import { MemorySignals } from './memory.signals';

/**
 * What the memory store keeps, shared by its writes, reads and operations: the workflows, the
 * ready queue, and what lets a repeated write (its first answer lost) be recognised.
 */
export class MemoryState {
  readonly workflows = new Map<string, StoredWorkflow>();
  readonly ready = new PriorityReady();
  readonly signals = new MemorySignals();
  /** `kind:id` of each workflow's recorded steps: recording one costs the same at any length. */
  readonly stepKeys = new Map<string, Set<string>>();
  /** The lease that last let go of each workflow, until another claim: a repeat is its own. */
  readonly lastLease = new Map<string, string>();
  /** The answer of each workflow's last recorded failure, for a repeat of that write. */
  readonly lastFailure = new Map<
    string,
    { status: WorkflowStatus; failures: number }
  >();

  /** Adds a record the store writes itself, once per kind and id. */
  addStep(workflow: StoredWorkflow, step: StoredStep): void {
    const key = `${step.kind}:${step.id}`;
    let keys = this.stepKeys.get(workflow.id);
    if (!keys) this.stepKeys.set(workflow.id, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    workflow.steps.push({ ...step });
  }

  /** Drops everything kept of a workflow that ended. */
  forget(workflowId: string): void {
    this.workflows.delete(workflowId);
    this.ready.schedule(workflowId, undefined);
    this.signals.forget(workflowId);
    this.stepKeys.delete(workflowId);
    this.lastLease.delete(workflowId);
    this.lastFailure.delete(workflowId);
  }

  setReadyAt(workflow: StoredWorkflow, readyAt: number | undefined): void {
    workflow.readyAt = readyAt;
    this.ready.schedule(workflow.id, readyAt);
  }

  /** Gives up the workflow's lease, remembering which lease let go. */
  letGo(workflow: StoredWorkflow): void {
    if (workflow.leaseToken !== undefined) {
      this.lastLease.set(workflow.id, workflow.leaseToken);
    }
    workflow.leaseToken = undefined;
  }

  /** Whether `leaseToken` was the last to let go of the workflow, now in `status` if given. */
  letGoBy(
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

  leased(workflowId: string, leaseToken: string): StoredWorkflow | undefined {
    const workflow = this.workflows.get(workflowId);
    return workflow?.leaseToken === leaseToken ? workflow : undefined;
  }
}
