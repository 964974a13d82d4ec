import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { LidexError } from '../errors/lidex.error';
import { WorkflowAbortedError } from '../errors/workflow-aborted.error';
import { WorkflowCancelledError } from '../errors/workflow-cancelled.error';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { WorkflowTimeoutError } from '../errors/workflow-timeout.error';
import { messages } from '../lidex.messages';
import { unknownKey } from '../model/option-keys';
import { requireWorkflowId } from './arguments';
import { Wakeup } from './deferred';
import type { WaitDependencies } from './engine-wait';
import type { LocalEnds } from './local-ends';
import type { ResultOptions, WorkflowInfo } from './types';
import { readWorkflowInfo } from './workflow-info';
import { isWorkflowRef, type WorkflowRef } from './workflow-ref';

/** `result()`'s default wait. */
export const RESULT_TIMEOUT_MS = 30_000;
/** The first pause between two looks at the store; each pause doubles, up to the last. */
const FIRST_LOOK_AFTER_MS = 50;
const LOOK_AT_MOST_EVERY_MS = 1_000;

/** What `result()` needs from the engine: `wait()`'s, and the ends written here. */
export interface ResultDependencies extends WaitDependencies {
  ends: LocalEnds;
}

/**
 * `LidexEngine.result()`: the workflow's output once it has finished; its end as a typed error
 * otherwise (`WorkflowAbortedError`, `WorkflowCancelledError`), or `WorkflowTimeoutError` when it
 * has not ended within `timeoutMs`. An end this process writes wakes it at once; ends written
 * elsewhere are looked for at pauses that grow to a second, so a long wait costs a read a second.
 */
export async function resultOf(
  deps: ResultDependencies,
  id: string,
  workflowOrOptions: unknown,
  options: unknown,
): Promise<unknown> {
  deps.requireOpen('result()');
  requireWorkflowId(id);
  // result(id, ref, options?) or result(id, options?)
  const [workflow, resultOptions] = isWorkflowRef(workflowOrOptions)
    ? [workflowOrOptions, options]
    : [undefined, workflowOrOptions];
  const timeoutMs = resultTimeout(resultOptions);
  const giveUpAt = deps.clock.monotonic() + timeoutMs;
  const wakeup = new Wakeup(deps.clock, { idle: true });
  // Watched before the first look: an end written between the look and the pause is not missed.
  const unwatch = deps.ends.watch(id, () => wakeup.wake());
  try {
    let pauseMs = FIRST_LOOK_AFTER_MS;
    for (;;) {
      const info = await look(deps, id, workflow, giveUpAt);
      if (info === null) throw new WorkflowNotFoundError(id);
      if (info !== undefined) {
        const ended = outcomeOf(info);
        if (ended) return ended.value;
      }
      const left = giveUpAt - deps.clock.monotonic();
      if (left <= 0) {
        throw new WorkflowTimeoutError(id, timeoutMs, info?.status ?? 'idle');
      }
      await wakeup.wait(Math.min(pauseMs, left));
      pauseMs = Math.min(pauseMs * 2, LOOK_AT_MOST_EVERY_MS);
    }
  } finally {
    unwatch();
  }
}

/** The workflow (`null`: no such workflow), or `undefined` when the store could not be read in time. */
async function look(
  deps: ResultDependencies,
  id: string,
  workflow: WorkflowRef | undefined,
  giveUpAt: number,
): Promise<WorkflowInfo | null | undefined> {
  try {
    deps.requireOpen('result()');
    return (
      (await readWorkflowInfo(
        deps.store,
        'result()',
        id,
        workflow,
        // Only the result is needed: an input this process cannot decrypt does not stop it.
        deps.values.display,
        deps.values.decode,
        deps.values.openErrors,
      )) ?? null
    );
  } catch (error) {
    // Lidex's own errors (closed, a reference of another workflow) are final; a store that is
    // briefly unreachable is waited through, until the time is up.
    if (error instanceof LidexError) throw error;
    if (deps.clock.monotonic() >= giveUpAt) throw error;
    return undefined;
  }
}

/** The output of an ended workflow, or its end as an error; `undefined` while it has not ended. */
function outcomeOf(info: WorkflowInfo): { value: unknown } | undefined {
  switch (info.status) {
    case 'finished':
      return { value: info.result };
    case 'aborted':
      throw new WorkflowAbortedError(
        info.id,
        info.error ?? { name: 'Error', message: 'aborted' },
      );
    case 'cancelled':
      throw new WorkflowCancelledError(info.id, info.error);
    default:
      return undefined;
  }
}

function resultTimeout(options: unknown): number {
  if (options === undefined) return RESULT_TIMEOUT_MS;
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options)
  ) {
    throw new InvalidArgumentError(messages.resultOptionsInvalid(options));
  }
  const unknown = unknownKey('result() options', options, ['timeoutMs']);
  if (unknown) throw new InvalidArgumentError(unknown.message);
  const { timeoutMs = RESULT_TIMEOUT_MS } = options as ResultOptions;
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 0
  ) {
    throw new InvalidArgumentError(messages.resultTimeoutInvalid(timeoutMs));
  }
  return timeoutMs;
}
