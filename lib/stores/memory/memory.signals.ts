import {
  TERMINAL_STATUSES,
  type NewSignal,
  type SignalDelivery,
  type StoredSignal,
  type StoredWorkflow,
  type WaitRelease,
} from '../persistence';

/** The memory store's signals: each workflow's, in `seq` order, and the ids it holds. */
export class MemorySignals {
  private readonly ids = new Map<string, Set<string>>();

  /**
   * Stores the signal in `workflow` (`undefined`: none); `wake` is called when it wakes a
   * waiting workflow, to make it ready at `signal.now`.
   */
  send(
    workflow: StoredWorkflow | undefined,
    signal: NewSignal,
    wake: (workflow: StoredWorkflow) => void,
  ): SignalDelivery {
    if (!workflow) return 'not-found';
    let ids = this.ids.get(workflow.id);
    if (ids?.has(signal.signalId)) return 'duplicate';
    if (TERMINAL_STATUSES.includes(workflow.status)) return 'ended';
    if (!ids) this.ids.set(workflow.id, (ids = new Set()));
    ids.add(signal.signalId);
    workflow.signals.push({
      seq: workflow.signals.length + 1,
      name: signal.name,
      payload: signal.payload,
      signalId: signal.signalId,
      sentAt: signal.now,
    });
    if (workflow.leaseToken === undefined && workflow.waitingFor) {
      workflow.waitingFor = undefined;
      wake(workflow);
    }
    return 'delivered';
  }

  /** Forgets a deleted workflow's signal ids. */
  forget(workflowId: string): void {
    this.ids.delete(workflowId);
  }

  /** Whether the workflow holds a signal its run did not see (the wait is then ready now). */
  static missed(workflow: StoredWorkflow, wait: WaitRelease): boolean {
    const top = workflow.signals[workflow.signals.length - 1];
    return top !== undefined && top.seq > wait.signalsSeen;
  }

  static copy(signals: StoredSignal[]): StoredSignal[] {
    return signals.map((signal) => ({ ...signal }));
  }
}
