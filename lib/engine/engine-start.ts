import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { ParentLink } from '../stores/persistence';
import { requireWorkflowId } from './arguments';
import type { EngineParts } from './engine-wiring';
import type { RunDependencies } from './run-dependencies';
import { checkStartOptions, type StartOptions } from './start-options';
import type { Worker } from './worker';
import { startVersion } from './workflow-versions';
import { workflowNameOf, type WorkflowRef } from './workflow-ref';

/**
 * `LidexEngine.start()` (and `ctx.start()`, `ctx.startChild()`, a schedule's tick): checks the
 * id, the options and the name (one with no handler here is refused, except by a `clientOnly`
 * engine), then inserts the workflow at the version this instance runs unless told another.
 */
export async function startWorkflow(
  parts: Pick<EngineParts, 'run' | 'worker' | 'registry' | 'requireOpen'>,
  id: string,
  workflow: string | WorkflowRef,
  input?: unknown,
  options?: StartOptions,
  parent?: ParentLink,
): Promise<boolean> {
  parts.requireOpen('start()');
  requireWorkflowId(id);
  const { transaction, version, priority, concurrencyKey, timeoutMs } =
    checkStartOptions(options);
  const name = workflowNameOf(workflow, 'start()');
  parts.registry.requireStartable(name);
  return insertWorkflow(parts.run, parts.worker, {
    id,
    name,
    input,
    transaction,
    version: startVersion(version, parts.registry.versions.get(name)),
    priority,
    concurrencyKey,
    timeoutMs,
    parent,
  });
}

/**
 * The first stage of a run, behind `startWorkflow()` (which has checked the id and the name):
 * encodes the input and inserts the workflow; in the app's transaction when given one
 * (unleased: it runs once committed). When this process's worker has room, the
 * insert takes the lease too and the workflow runs here at once; otherwise the worker (here or
 * elsewhere) claims it. `false` when a workflow with this id exists.
 */
export async function insertWorkflow(
  deps: RunDependencies,
  worker: Worker,
  {
    id,
    name,
    input,
    transaction,
    version,
    priority,
    concurrencyKey,
    timeoutMs,
    parent,
  }: {
    id: string;
    name: string;
    input: unknown;
    transaction?: unknown;
    version: number;
    priority?: number;
    concurrencyKey?: string;
    timeoutMs?: number;
    parent?: ParentLink;
  },
): Promise<boolean> {
  if (transaction !== undefined && !deps.store.insertWorkflowInTransaction) {
    throw new InvalidArgumentError(
      messages.transactionUnsupported(deps.store.describe()),
    );
  }
  const encoded = deps.values.encode(
    input,
    { workflowId: id, field: 'input' },
    `input of workflow ${JSON.stringify(id)}`,
    deps.store.maxValueBytes,
  );
  const now = deps.now();
  const deadlineAt = timeoutMs === undefined ? undefined : now + timeoutMs;
  const traceContext = deps.tracing.startContext();
  const record = {
    id,
    name,
    input: encoded,
    now,
    version,
    ...(deadlineAt !== undefined && { deadlineAt }),
    ...(parent !== undefined && { parent }),
    ...(priority !== undefined && { priority }),
    ...(concurrencyKey !== undefined && { concurrencyKey }),
    ...(traceContext === undefined ? {} : { traceContext }),
  };
  const started = () => {
    deps.tracing.started(name);
    deps.events.emit('started', () => ({
      workflowId: id,
      workflowName: name,
      at: record.now,
      version,
      ...(deps.events.payloads ? { payload: input } : {}),
    }));
  };
  if (transaction !== undefined) {
    // Inserted ready and unleased: nothing runs before the app commits; the commit makes it
    // visible (and the store's notification heard), and a worker claims it then.
    const inserted = await deps.store.insertWorkflowInTransaction!({
      transaction,
      workflow: record,
    });
    if (inserted) started();
    return inserted;
  }
  // Run here only a version this instance runs (or older): a newer one waits for its workers.
  // A limited workflow is never inserted leased: only a claim counts it against its limits.
  if (
    !runsHere(deps, name, version) ||
    deps.limits.has(name) ||
    !worker.tryReserve()
  ) {
    const inserted = await deps.store.insertWorkflow(record);
    if (inserted) {
      started();
      worker.nudge();
    }
    return inserted;
  }
  const leaseSentAt = deps.monotonic();
  const lease = worker.newLease();
  let inserted = false;
  try {
    inserted = await deps.store.insertWorkflow(record, lease);
  } catch (error) {
    // The insert may have happened with its answer lost: do not leave it leased to nobody.
    const now = deps.now();
    await deps.store
      .releaseLease(id, lease.token, { readyAt: now, now })
      .catch(() => undefined);
    throw error;
  } finally {
    if (inserted) {
      started();
      worker.runReserved(
        {
          id,
          name,
          input: encoded,
          leaseToken: lease.token,
          version,
          steps: [],
          signals: [],
          deadlineAt,
          ...(traceContext === undefined ? {} : { traceContext }),
          parent,
        },
        leaseSentAt,
      );
    } else {
      worker.cancelReservation();
    }
  }
  return inserted;
}

function runsHere(deps: RunDependencies, name: string, version: number) {
  const runs = deps.versions.get(name);
  return runs === undefined || version <= runs;
}
