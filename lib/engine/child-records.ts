import type { StoredStep, WorkflowError } from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';

/*
 * What the engine records of child workflows, as steps of kind `signal` (ids it chooses, under
 * the reserved `lidex:` prefix, so no user wait or signal name can meet them):
 * - `lidex:child-start:<id>`: `ctx.startChild(id)` started the child (`ChildStart`), so a
 *   replay starts nothing again and `get()` lists the parent's children;
 * - `lidex:child-end:<id>`: the child's end the parent's `result()` consumed (`{ seq, payload }`,
 *   the signal `lidex:child:<child id>` the child sent before writing its end).
 */
export const CHILD_START_PREFIX = 'lidex:child-start:';
export const CHILD_END_PREFIX = 'lidex:child-end:';
const CHILD_SIGNAL_PREFIX = 'lidex:child:';

/** The signal (name and signalId alike) a child sends its parent when it ends. */
export const childSignalName = (childId: string): string =>
  CHILD_SIGNAL_PREFIX + childId;

export type ParentClose = 'cancel' | 'abandon';

export interface ChildStart {
  workflowId: string;
  name: string;
  parentClose: ParentClose;
}

/** How a child ended, as its signal's payload carries it. */
export type ChildOutcome =
  | { status: 'finished'; result: unknown }
  | { status: 'aborted' | 'cancelled'; error: WorkflowError };

export interface ChildEnd {
  seq: number;
  payload: string;
}

export const encodeChildRecord = (value: ChildStart | ChildEnd): string =>
  encodeValue(value, 'a child workflow record');

export const decodeChildRecord = <T extends ChildStart | ChildEnd>(
  step: StoredStep,
): T => decodeValue<T>(step.result!);

/** The children a workflow started, from its records, in the order started. */
export function childrenOf(steps: readonly StoredStep[]): ChildStart[] {
  return steps
    .filter(
      (step) =>
        step.kind === 'signal' && step.id.startsWith(CHILD_START_PREFIX),
    )
    .map((step) => decodeChildRecord<ChildStart>(step));
}

/**
 * The child id `ctx.startChild(id)` uses unless given one: the parent's id and the step id.
 * Two parents could make the same id (`a/b` + `c`, `a` + `b/c`): the start then finds a
 * workflow that is not its child and says so.
 */
export const derivedChildId = (parentId: string, id: string): string =>
  `${parentId}/${id}`;
