import { ValueNotStorableError } from '../errors/value-not-storable.error';
import { messages } from '../lidex.messages';
import type {
  ClaimedWorkflow,
  Persistence,
  StoredStep,
} from '../stores/persistence';
import { type LazyText, textOf } from './lazy-text';
import type { LidexLogger } from './types';

/** Share of a store's per-workflow limit past which a workflow is said to be near it. */
export const NEAR_LIMIT = 0.8;

/**
 * How much of the store's per-workflow room (`maxWorkflowBytes`) one workflow's data takes, as
 * its run records steps: warns once when the workflow nears the limit, and refuses a step that
 * would not fit with a `ValueNotStorableError` (which ends the workflow at once).
 */
export class WorkflowRoom {
  private bytes: number;
  private warned = false;

  constructor(
    claimed: ClaimedWorkflow,
    private readonly store: Pick<Persistence, 'maxWorkflowBytes'>,
    private readonly logger: LidexLogger,
  ) {
    this.bytes = byteSize(claimed.id) + byteSize(claimed.input);
    for (const step of claimed.steps) this.bytes += stepBytes(step);
    this.warnIfNear(claimed.id);
  }

  /** Counts a step, refusing it if the workflow would no longer fit. */
  reserve(workflowId: string, step: StoredStep, what: LazyText): void {
    const limit = this.store.maxWorkflowBytes;
    const bytes = this.bytes + stepBytes(step);
    if (limit !== undefined && bytes > limit) {
      throw new ValueNotStorableError(
        messages.workflowTooLarge(textOf(what), bytes, limit),
      );
    }
    this.bytes = bytes;
    this.warnIfNear(workflowId);
  }

  private warnIfNear(workflowId: string): void {
    const limit = this.store.maxWorkflowBytes;
    if (this.warned || limit === undefined || this.bytes < limit * NEAR_LIMIT)
      return;
    this.warned = true;
    this.logger.warn(messages.workflowNearLimit(workflowId, this.bytes, limit));
  }
}

const byteSize = (text: string): number => Buffer.byteLength(text);

/** A step's share of its workflow's record: its id and result, plus a little for the rest. */
const stepBytes = (step: StoredStep): number =>
  byteSize(step.id) +
  (step.result === undefined ? 0 : byteSize(step.result)) +
  64;
