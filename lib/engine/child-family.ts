import { messages } from '../lidex.messages';
import type {
  CancelRecord,
  NewSignal,
  ParentLink,
  Persistence,
  SignalDelivery,
  StoredStep,
  WorkflowError,
} from '../stores/persistence';
import { TERMINAL_STATUSES, type WorkflowStatus } from '../model';
import {
  type ChildOutcome,
  childrenOf,
  childSignalName,
} from './child-records';
import type { StoredValues } from './payloads/stored-values';

/** What telling a parent and cancelling children needs. */
export interface FamilyDependencies {
  store: Persistence;
  values: StoredValues;
  now: () => number;
  /** The engine's own send (`deliverSignal`), which wakes this process's worker. */
  sendSignal: (signal: Omit<NewSignal, 'now'>) => Promise<SignalDelivery>;
  /** A workflow this process cancelled: its runs here stop, `result()` learns of it. */
  cancelled: (workflowId: string) => void;
}

const ended = (status: string): boolean =>
  (TERMINAL_STATUSES as readonly string[]).includes(status);

/** Why a workflow cancelled without a reason was cancelled, as its parent's `result()` says. */
export const cancelledError = (workflowId: string): WorkflowError => ({
  name: 'WorkflowCancelledError',
  message: messages.workflowCancelledNoResult(workflowId),
});

/**
 * Sends a child's end to its parent, as the signal `lidex:child:<child id>` (its signalId the
 * same): sent before the child's own end is written, so a crash between them leaves the child
 * to be claimed again and send it again, stored once. Nothing for a workflow with no parent.
 */
export async function tellParent(
  deps: Pick<FamilyDependencies, 'store' | 'values' | 'sendSignal'>,
  childId: string,
  parent: ParentLink | undefined,
  outcome: ChildOutcome,
): Promise<void> {
  if (!parent) return;
  const name = childSignalName(childId);
  const payload = deps.values.encode(
    outcome,
    { workflowId: parent.workflowId, field: 'signal', name },
    `end of child workflow ${JSON.stringify(childId)}`,
    deps.store.maxValueBytes,
  );
  await deps.sendSignal({
    workflowId: parent.workflowId,
    name,
    signalId: name,
    payload,
  });
}

/**
 * Cancels a workflow as `client.cancel()` and a deadline do: its parent is told first, then it
 * is cancelled, then its children started with `parentClose: 'cancel'` (and theirs) are.
 * `cancelled` answers as `cancelWorkflow` does; `status` is the one read before.
 */
export async function cancelWithFamily(
  deps: FamilyDependencies,
  workflowId: string,
  now: number,
  cancel?: CancelRecord,
): Promise<{ cancelled: boolean | undefined; status?: WorkflowStatus }> {
  const stored = await deps.store.getWorkflow(workflowId);
  if (stored?.parent && !ended(stored.status)) {
    await tellParent(deps, workflowId, stored.parent, {
      status: 'cancelled',
      error: cancel?.reason ?? cancelledError(workflowId),
    });
  }
  const cancelled = await deps.store.cancelWorkflow(workflowId, now, cancel);
  if (cancelled) await cancelChildren(deps, workflowId, now);
  return { cancelled, status: stored?.status };
}

/** Cancels the `parentClose: 'cancel'` children of a cancelled workflow, and theirs. */
export async function cancelChildren(
  deps: FamilyDependencies,
  parentId: string,
  now: number,
): Promise<void> {
  // Read after the parent's cancel: a child whose start was recorded before it is listed.
  const steps: StoredStep[] =
    (await deps.store.getWorkflow(parentId))?.steps ?? [];
  for (const child of childrenOf(steps)) {
    if (child.parentClose !== 'cancel') continue;
    const reason = {
      name: 'WorkflowCancelledError',
      message: messages.childCancelledWithParent(child.workflowId, parentId),
    };
    const cancelled = await deps.store.cancelWorkflow(child.workflowId, now, {
      reason,
    });
    if (!cancelled) continue;
    deps.cancelled(child.workflowId);
    await cancelChildren(deps, child.workflowId, now);
  }
}

/**
 * Whether a child claimed now must cancel itself: its parent was cancelled and it was started
 * with `parentClose: 'cancel'` (a crash in the cascade, or a child started as the parent was).
 */
export async function parentWasCancelled(
  store: Persistence,
  parent: ParentLink | undefined,
): Promise<boolean> {
  if (!parent || parent.parentClose !== 'cancel') return false;
  return (await store.getWorkflow(parent.workflowId))?.status === 'cancelled';
}
