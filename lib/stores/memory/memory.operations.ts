import {
  CANCELLABLE_STATUSES,
  type CancelRecord,
  RETRYABLE_STATUSES,
  type WorkflowPurge,
} from '../persistence';
import { cancelledBegin, hasCompensable } from './memory.compensation';
import { hasEnded, purgeable } from './memory.retention';
import type { MemoryState } from './memory.state';

/** Operators' requests of the memory store: cancel, retry, delete, purge. */
export class MemoryOperations {
  constructor(private readonly state: MemoryState) {}

  cancelWorkflow(
    workflowId: string,
    now: number,
    cancel: CancelRecord = {},
  ): Promise<boolean | undefined> {
    const workflow = this.state.workflows.get(workflowId);
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
      this.state.lastLease.delete(workflowId);
      this.state.addStep(workflow, cancelledBegin(now));
      this.state.setReadyAt(workflow, workflow.createdAt);
      workflow.updatedAt = now;
      return Promise.resolve(true);
    }
    if (CANCELLABLE_STATUSES.includes(workflow.status)) {
      workflow.status = 'cancelled';
      if (cancel.reason) workflow.error = { ...cancel.reason };
      workflow.leaseToken = undefined;
      workflow.waitingFor = undefined;
      this.state.lastLease.delete(workflowId);
      this.state.setReadyAt(workflow, undefined);
      workflow.updatedAt = now;
    }
    return Promise.resolve(workflow.status === 'cancelled');
  }

  retryWorkflow(workflowId: string, now: number): Promise<boolean | undefined> {
    const workflow = this.state.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (!RETRYABLE_STATUSES.includes(workflow.status)) {
      return Promise.resolve(false);
    }
    workflow.status = 'idle';
    workflow.failures = 0;
    workflow.leaseToken = undefined;
    this.state.lastLease.delete(workflowId);
    this.state.setReadyAt(workflow, now);
    workflow.updatedAt = now;
    return Promise.resolve(true);
  }

  deleteWorkflow(workflowId: string): Promise<boolean | undefined> {
    const workflow = this.state.workflows.get(workflowId);
    if (!workflow) return Promise.resolve(undefined);
    if (!hasEnded(workflow)) return Promise.resolve(false);
    this.state.forget(workflowId);
    return Promise.resolve(true);
  }

  purgeWorkflows(purge: WorkflowPurge): Promise<number> {
    const ids = purgeable(this.state.workflows.values(), purge);
    for (const id of ids) this.state.forget(id);
    return Promise.resolve(ids.length);
  }
}
