import { InvalidArgumentError as CompensationUnsupported } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { StoredStep } from '../stores/persistence';
import type { Compensation } from './compensation/run-compensations';
import { writeRunStep } from './run-record';
import type { StepRun } from './step-execution';
import type { StepOptions } from './step-policy';

/**
 * A run's compensations (`ctx.step(id, fn, { compensate })`): the undo of each step recorded so
 * far, in the order their results came, and the `compensable` record written before such a step
 * first runs, so that a cancel knows the workflow has something to undo.
 */
export class RunCompensable {
  /** The compensations of the steps recorded so far, in the order their results came. */
  readonly compensations: Compensation[] = [];
  /** Steps whose `compensable` record is written. */
  private readonly marked = new Set<string>();

  constructor(
    private readonly run: StepRun,
    steps: readonly StoredStep[],
  ) {
    for (const step of steps) {
      if (step.kind === 'compensable') this.marked.add(step.id);
    }
  }

  add<T>(
    stepId: string,
    result: T,
    compensate: NonNullable<StepOptions['compensate']>,
    policy: Compensation['policy'],
  ): void {
    this.compensations.push({
      stepId,
      run: (attempt) => compensate(result, attempt),
      policy,
    });
  }

  /**
   * Records that a step with a compensation is about to run (once per step), so that a cancel
   * knows the workflow has compensations; `false` when the lease was lost.
   */
  async mark(stepId: string): Promise<boolean> {
    const { store } = this.run.deps;
    if (!store.recordCompensationStatus) {
      throw new CompensationUnsupported(
        messages.compensationUnsupported(
          store.describe(),
          this.run.workflowId,
          stepId,
        ),
      );
    }
    if (this.marked.has(stepId)) return true;
    const written = await writeRunStep(this.run, (at) => ({
      kind: 'compensable',
      id: stepId,
      recordedAt: at,
    }));
    if (written) this.marked.add(stepId);
    return written === true;
  }
}
