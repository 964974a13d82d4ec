import type { StepAttempt } from './step-policy';

/** What an attempt's signal follows: the run's stop (halted, or asked to stop). */
export interface StopSource {
  /** Whether the run has been asked to stop or has halted (reading it creates nothing). */
  readonly stopSignalled: boolean;
  readonly stopSignal: AbortSignal;
}

/**
 * The `signal` of one attempt of a step, made only when the step's function reads it (most
 * never do) or when the attempt has a timeout. It behaves as if it had been there from the
 * start: aborted with the run's stop reason when the run stopped while the attempt ran, and
 * no longer following the run once the attempt has ended.
 */
export class AttemptSignal {
  private controller?: AbortController;
  private ended = false;
  /** When read only after the attempt ended: whether the run stopped while it ran. */
  private stoppedDuringAttempt = false;
  private readonly onStop = (): void =>
    this.controller?.abort(this.stop.stopSignal.reason);

  constructor(private readonly stop: StopSource) {}

  get signal(): AbortSignal {
    return this.made().signal;
  }

  /** Ends the attempt with `reason` (its timeout) unless the signal is aborted already. */
  abort(reason: unknown): void {
    this.made().abort(reason);
  }

  /** The attempt has ended: the signal stops following the run. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.controller) {
      this.stop.stopSignal.removeEventListener('abort', this.onStop);
    } else {
      this.stoppedDuringAttempt = this.stop.stopSignalled;
    }
  }

  private made(): AbortController {
    if (this.controller) return this.controller;
    const controller = new AbortController();
    this.controller = controller;
    if (this.ended) {
      if (this.stoppedDuringAttempt)
        controller.abort(this.stop.stopSignal.reason);
    } else if (this.stop.stopSignalled) {
      controller.abort(this.stop.stopSignal.reason);
    } else {
      this.stop.stopSignal.addEventListener('abort', this.onStop, {
        once: true,
      });
    }
    return controller;
  }
}

/**
 * What the function receives, frozen: its key and its signal are made when first read (getters
 * on the prototype: an object literal with getters costs microseconds to build, every step).
 */
export class AttemptView implements StepAttempt {
  // Private fields: nothing but the documented API shows on the object.
  readonly #keyOf: () => string;
  readonly #signal: AttemptSignal;

  constructor(
    readonly attempt: number,
    keyOf: () => string,
    signal: AttemptSignal,
  ) {
    this.#keyOf = keyOf;
    this.#signal = signal;
    Object.freeze(this);
  }

  get idempotencyKey(): string {
    return this.#keyOf();
  }

  get signal(): AbortSignal {
    return this.#signal.signal;
  }
}
