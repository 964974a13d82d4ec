import type { StoredStep } from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';
import { never } from './deferred';
import type { LazyText } from './lazy-text';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';
import type { StepRun } from './step-execution';

/**
 * Writes one record of the run, fenced by its lease; `step` is given the time of the write. Kept
 * (without `releaseUntil`): the run goes on, and should this process stop, the workflow is ready
 * again once the lease's interval has passed. With `releaseUntil`: the lease is released and the
 * workflow is ready then, or at its deadline if that comes first. `true` when written; `false` or
 * `undefined` when the run has lost its lease or stopped.
 */
export function writeRunStep(
  { workflowId, writer, deps, deadline }: StepRun,
  step: (at: number) => StoredStep,
  releaseUntil?: number,
): Promise<boolean | undefined> {
  if (releaseUntil === undefined) {
    // The lease's expiry is kept, or set once a tenth of a lease has passed (`keepingWrite`).
    return writer.keepingWrite((next) =>
      deps.store.recordStep(
        workflowId,
        writer.leaseToken,
        step(next.now),
        next,
      ),
    );
  }
  return writer.leaseSettingWrite((at) =>
    deps.store.recordStep(workflowId, writer.leaseToken, step(at), {
      readyAt: deadline.cap(releaseUntil),
      release: true,
      now: at,
    }),
  );
}

/**
 * Writes a signal or child record of the run, fenced by its lease, and sets the lease a full
 * lease from the write. `true` when written; `false` or `undefined` when the run has lost its
 * lease or stopped.
 */
export function writeLeasedRecord(
  writer: RunWriter,
  deps: RunDependencies,
  step: StoredStep,
): Promise<boolean | undefined> {
  return writer.leaseSettingWrite((at) =>
    deps.store.recordStep(writer.workflowId, writer.leaseToken, step, {
      readyAt: at + deps.options.timeoutIntervalMs,
      release: false,
      now: at,
    }),
  );
}

/**
 * Records a step's result or a `ctx.now()`/`random()`/`uuid()` value with one write, within the
 * workflow's room in the store, and answers it decoded (as a replay will see it). Never returns
 * when the write could not be made.
 */
export async function recordValue<T>(
  run: StepRun,
  kind: 'step' | 'value',
  id: string,
  value: unknown,
  what: LazyText,
  startedAt?: number,
): Promise<T> {
  const { deps } = run;
  const maxBytes = deps.store.maxValueBytes;
  const encoded = encodeValue(value, what, maxBytes);
  const now = deps.now();
  const step: StoredStep = {
    kind,
    id,
    result: deps.values.seal(
      encoded,
      { workflowId: run.workflowId, field: kind, name: id },
      what,
      maxBytes,
    ),
    ...(startedAt === undefined ? {} : { startedAt }),
    recordedAt: now,
  };
  run.room.reserve(run.workflowId, step, what);
  const written = await writeRunStep(run, () => step);
  if (!written) return never();
  return decodeValue<T>(encoded);
}
