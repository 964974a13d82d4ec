import { requireWorkflowId, requireWorkflowName } from './arguments';
import { type Activity, readActivity } from './engine-activity';
import type { EngineParts } from './engine-wiring';
import { flowSlots, type FlowSlots } from './flow-slots';
import { toPage, toWorkflowQuery } from './list-query';
import type {
  ListOptions,
  WorkflowCounts,
  WorkflowInfo,
  WorkflowPage,
  WorkflowStatus,
} from './types';
import { readWorkflowInfo, toWorkflowSummary } from './workflow-info';
import type { WorkflowRef } from './workflow-ref';

// The engine's reads of what the store holds: one workflow, its status, pages of them, counts,
// the charts' activity and the slots in use. None of them changes anything.

type ReadParts = Pick<EngineParts, 'run' | 'requireOpen'>;

/** `get()`: values decoded, typed by `workflow` when given (another name throws). */
export function getWorkflow(
  parts: ReadParts,
  id: string,
  workflow?: WorkflowRef,
): Promise<WorkflowInfo | undefined> {
  return readInfo(parts, 'get()', id, workflow, 'decode');
}

/** `inspect()`: `get()` with values this process cannot decode described, not thrown. */
export function inspectWorkflow(
  parts: ReadParts,
  id: string,
): Promise<WorkflowInfo | undefined> {
  return readInfo(parts, 'inspect()', id, undefined, 'display');
}

async function readInfo(
  { run, requireOpen }: ReadParts,
  call: 'get()' | 'inspect()',
  id: string,
  workflow: WorkflowRef | undefined,
  read: 'decode' | 'display',
): Promise<WorkflowInfo | undefined> {
  requireOpen(call);
  requireWorkflowId(id);
  const values = run.values;
  return readWorkflowInfo(
    run.store,
    call,
    id,
    workflow,
    values[read],
    values[read],
    values.openErrors,
  );
}

export async function readStatus(
  { run, requireOpen }: ReadParts,
  id: string,
): Promise<WorkflowStatus | undefined> {
  requireOpen('status()');
  requireWorkflowId(id);
  return (await run.store.getWorkflow(id))?.status;
}

export async function listWorkflows(
  { run, requireOpen }: ReadParts,
  options: ListOptions,
): Promise<WorkflowPage> {
  requireOpen('list()');
  const query = toWorkflowQuery(options);
  const { page, nextCursor } = toPage(
    await run.store.listWorkflows(query),
    query,
  );
  return {
    workflows: page.map((w) => toWorkflowSummary(run.values.openErrors(w))),
    nextCursor,
  };
}

/** The last `minutes` minutes, at least one and at most a day (60 when not a number). */
export async function activityOf(
  { run, requireOpen }: ReadParts,
  minutes: number,
): Promise<Activity> {
  requireOpen('activity()');
  const span = Math.min(Math.max(1, Math.floor(minutes) || 60), 24 * 60);
  return readActivity(run.store, run.now(), span);
}

export function flowSlotsOf({
  run,
  requireOpen,
}: ReadParts): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
  requireOpen('flowSlots()');
  return flowSlots(run.store, run.limits);
}

export async function countWorkflows(
  { run, requireOpen }: ReadParts,
  filter: { name?: string },
): Promise<WorkflowCounts> {
  requireOpen('counts()');
  if (filter.name !== undefined) requireWorkflowName(filter.name);
  return run.store.countWorkflows({ name: filter.name });
}
