import { DeadlineExceededError } from '../errors/deadline-exceeded.error';
import { messages } from '../lidex.messages';
import type { ParentLink } from '../stores/persistence';
import { cancelChildren, tellParent } from './child-family';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';

const TIME_LEFT = Promise.resolve(false);

/**
 * A run's deadline (`start()`'s `timeoutMs`): every time the run hands its workflow back (a long
 * sleep, a retry, a release) it is ready again by the deadline at the latest, and at each durable
 * point (the claim, before a step, after a sleep, before the outcome) a deadline that has passed
 * ends the workflow as cancelled, its reason a `DeadlineExceededError`. Without a deadline, it
 * changes nothing.
 */
export class RunDeadline {
  constructor(
    private readonly deadlineAt: number | undefined,
    private readonly writer: RunWriter,
    private readonly deps: RunDependencies,
    private readonly parent?: ParentLink,
  ) {}

  /** `readyAt`, or the deadline when that comes first. */
  cap(readyAt: number): number {
    return this.deadlineAt === undefined
      ? readyAt
      : Math.min(readyAt, this.deadlineAt);
  }

  /** A wait's wake-up time (`undefined`: none, woken only by what it waits for), capped. */
  capWait(readyAt: number | undefined): number | undefined {
    return readyAt === undefined ? this.deadlineAt : this.cap(readyAt);
  }

  /** How long from now until the deadline (`Infinity` without one). */
  msLeft(): number {
    return this.deadlineAt === undefined
      ? Infinity
      : this.deadlineAt - this.deps.now();
  }

  /**
   * When the deadline has passed: cancels the workflow with its reason, halts the run and
   * answers `true` (the caller stops). `false` while there is time left.
   */
  enforce(): Promise<boolean> {
    const { deadlineAt, deps } = this;
    // Checked at every durable point of every run: no promise is made while time is left.
    if (deadlineAt === undefined || deps.now() < deadlineAt) return TIME_LEFT;
    return this.cancel(deadlineAt);
  }

  private async cancel(deadlineAt: number): Promise<boolean> {
    const { writer, deps } = this;
    // A step's record held back (`HeldStep`) is written before the cancel.
    if (!(await writer.held.settle())) return true;
    const exceeded = new DeadlineExceededError(writer.workflowId, deadlineAt);
    const reason = { name: exceeded.name, message: exceeded.message };
    const now = deps.now();
    // Its parent told first, its 'cancel' children after (child-family.ts).
    const cancelled = await writer.write(async () => {
      await tellParent(deps, writer.workflowId, this.parent, {
        status: 'cancelled',
        error: reason,
      });
      return deps.store.cancelWorkflow(writer.workflowId, now, { reason });
    });
    if (cancelled) {
      await writer.write(async () => {
        await cancelChildren(deps.family, writer.workflowId, now);
        return true;
      });
      deps.logger.log(
        messages.workflowDeadlineExceeded(writer.workflowId, deadlineAt),
      );
      deps.ended(writer.workflowId);
    }
    void writer.halt('cancelled');
    return true;
  }
}
