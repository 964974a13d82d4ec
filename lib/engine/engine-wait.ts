import { LidexClosedError } from '../errors/lidex-closed.error';
import type { Persistence } from '../stores/persistence';
import { requireWorkflowId } from './arguments';
import { type Clock, sleepOn } from './clock';
import type { WaitOptions, WorkflowInfo, WorkflowStatus } from './types';
import { waitPlan } from './wait-plan';
import type { StoredValues } from './payloads/stored-values';
import { readWorkflowInfo } from './workflow-info';
import { isWorkflowRef, type WorkflowRef } from './workflow-ref';

/** What `wait()` needs from the engine. */
export interface WaitDependencies {
  store: Persistence;
  values: StoredValues;
  /** The engine's clock: the looks are spaced on its timers. */
  clock: Clock;
  /** Throws `LidexClosedError` once the engine is closed. */
  requireOpen: (call: string) => void;
}

/**
 * `LidexEngine.wait()`: looks at the workflow until it has one of the statuses, or the time is
 * up. With a workflow reference, resolves the workflow itself rather than its status.
 */
export async function waitFor(
  deps: WaitDependencies,
  id: string,
  statusesOrOptions: WorkflowStatus[] | WaitOptions | WorkflowRef = {},
  timesOrOptions?: number | WaitOptions,
  ms?: number,
): Promise<WorkflowStatus | WorkflowInfo | undefined> {
  if (!isWorkflowRef(statusesOrOptions)) {
    return waitForStatus(
      deps,
      id,
      statusesOrOptions,
      timesOrOptions as number | undefined,
      ms,
    );
  }
  deps.requireOpen('wait()');
  requireWorkflowId(id);
  const workflow = statusesOrOptions;
  // A reference of another workflow is refused before waiting, when the workflow exists.
  await readWorkflowInfo(
    deps.store,
    'wait()',
    id,
    workflow,
    deps.values.decode,
  );
  const options = (timesOrOptions ?? {}) as WaitOptions;
  const status = await waitForStatus(deps, id, options);
  return (
    status &&
    readWorkflowInfo(
      deps.store,
      'wait()',
      id,
      workflow,
      deps.values.decode,
      deps.values.decode,
      deps.values.openErrors,
    )
  );
}

async function waitForStatus(
  deps: WaitDependencies,
  id: string,
  statusesOrOptions: WorkflowStatus[] | WaitOptions,
  times?: number,
  ms?: number,
): Promise<WorkflowStatus | undefined> {
  deps.requireOpen('wait()');
  requireWorkflowId(id);
  const { statuses, attempts, intervalMs } = waitPlan(
    statusesOrOptions,
    times,
    ms,
  );
  // The last look is due this long from now: checks fired late (a clock that skips time fires
  // them beside its other timers) do not stretch the wait past it.
  const lastLookAt = deps.clock.monotonic() + (attempts - 1) * intervalMs;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let status: WorkflowStatus | undefined;
    try {
      deps.requireOpen('wait()');
      status = (await deps.store.getWorkflow(id))?.status;
    } catch (error) {
      if (error instanceof LidexClosedError) throw error;
      // A store that is briefly unreachable is waited through; only the last look throws.
      if (attempt === attempts) throw error;
    }
    if (status && statuses.includes(status)) return status;
    if (attempt < attempts) {
      await sleepOn(deps.clock, intervalMs, { idle: true });
      if (deps.clock.monotonic() >= lastLookAt) attempt = attempts - 1;
    }
  }
  return undefined;
}
