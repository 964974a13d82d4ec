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
  const { step, encoded } = storedValue(run, kind, id, value, what, startedAt);
  const written = await writeRunStep(run, () => step);
  if (!written) return never();
  return decodeValue<T>(encoded);
}

/**
 * A step's result, held to be written with the run's next write or its finish (`HeldStep`), and
 * answered decoded at once; `written` follows its write.
 */
export function holdValue<T>(
  run: StepRun,
  id: string,
  value: unknown,
  what: LazyText,
  startedAt: number,
  written: () => void,
): T {
  const { step, encoded } = storedValue(
    run,
    'step',
    id,
    value,
    what,
    startedAt,
  );
  run.writer.held.hold({
    step,
    send: () => writeRunStep(run, () => step),
    written,
  });
  return decodeValue<T>(encoded);
}

/** The record of a value, encoded and sealed, its room in the workflow reserved. */
function storedValue(
  run: StepRun,
  kind: 'step' | 'value',
  id: string,
  value: unknown,
  what: LazyText,
  startedAt?: number,
): { step: StoredStep; encoded: string } {
  const { deps } = run;
  const maxBytes = deps.store.maxValueBytes;
  const encoded = encodeValue(value, what, maxBytes);
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
    recordedAt: deps.now(),
  };
  run.room.reserve(run.workflowId, step, what);
  return { step, encoded };
}
