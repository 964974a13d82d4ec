import {
  TERMINAL_STATUSES,
  type StoredWorkflow,
  type WorkflowPurge,
} from '../persistence';

/**
 * Which workflows a purge of the memory store deletes: the oldest ended ones of the status,
 * before the time. A scan (the memory store is for tests; nothing it holds is large).
 */
export function purgeable(
  workflows: Iterable<StoredWorkflow>,
  purge: WorkflowPurge,
): string[] {
  if (!TERMINAL_STATUSES.includes(purge.status)) return [];
  return [...workflows]
    .filter(
      (workflow) =>
        workflow.status === purge.status &&
        workflow.updatedAt < purge.endedBefore,
    )
    .sort((a, b) => a.updatedAt - b.updatedAt)
    .slice(0, purge.limit)
    .map((workflow) => workflow.id);
}

/** Whether the workflow has ended, and may be deleted. */
export const hasEnded = (workflow: StoredWorkflow): boolean =>
  TERMINAL_STATUSES.includes(workflow.status);
