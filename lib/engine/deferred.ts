import type { Clock, TimerOptions } from './clock';

/** A promise with its resolve function at hand. */
export class Deferred<T = void> {
  readonly promise: Promise<T>;
  settled = false;
  private resolvePromise!: (value: T) => void;

  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.resolvePromise = resolve;
    });
  }

  resolve(value: T): void {
    this.settled = true;
    this.resolvePromise(value);
  }
}

/** A promise that never settles: a halted workflow waits on it and is collected with it. */
export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * A timer on the engine's clock that can be cut short. `wait(ms)` resolves after `ms` or at the
 * next `wake()`, whichever is first; nothing is left behind either way.
 */
export class Wakeup {
  private pending?: () => void;
  private woken = false;

  constructor(
    private readonly clock: Clock,
    private readonly options?: TimerOptions,
  ) {}

  /** Waits `ms`, or less if woken; resolves `true` when it was woken. */
  wait(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const cancel = this.clock.setTimer(
        ms,
        () => {
          this.pending = undefined;
          resolve(false);
        },
        this.options,
      );
      this.pending = () => {
        cancel();
        resolve(true);
      };
    });
  }

  /** Ends the current wait, or the next one if none is under way. */
  wake(): void {
    if (this.pending) this.finish();
    else this.woken = true;
  }

  private finish(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }
}
