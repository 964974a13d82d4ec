import type { WorkflowCounts } from '../../model';
import {
  flowFields,
  noCounts,
  type StoredWorkflow,
  type WorkflowQuery,
  type WorkflowSummaryRecord,
} from '../persistence';
import { MemorySignals } from './memory.signals';
import type { MemoryState } from './memory.state';

/** The memory store's reads: one workflow (a copy), a page of the list, the counts. */
export class MemoryReads {
  constructor(private readonly state: MemoryState) {}

  getWorkflow(workflowId: string): Promise<StoredWorkflow | undefined> {
    const workflow = this.state.workflows.get(workflowId);
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
    const page = [...this.state.workflows.values()]
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

  countWorkflows(filter: { name?: string }): Promise<WorkflowCounts> {
    const counts = noCounts();
    for (const workflow of this.state.workflows.values()) {
      if (filter.name === undefined || workflow.name === filter.name) {
        counts[workflow.status] += 1;
      }
    }
    return Promise.resolve(counts);
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
