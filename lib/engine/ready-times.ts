import type { Clock } from './clock';

/** The most future times kept; later ones are left to the poll loop. */
const MAX_TIMES = 1_000;

/**
 * The times at which this engine wrote that workflows become ready again (a released sleep, a
 * retry after a failure), so that its worker looks for work then rather than at its next poll.
 * One timer at a time, for the soonest. On a clock that skips time (the manual test clock) it is
 * what makes a released sleep wake on time, since polls there fire only beside other timers.
 */
export class ReadyTimes {
  /** Ascending, each once. */
  private times: number[] = [];
  private armedFor?: number;
  private cancelTimer?: () => void;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** The engine's time, in which the times are given. */
    private readonly now: () => number,
    private readonly due: () => void,
  ) {}

  /** A workflow is ready at `at`. */
  add(at: number): void {
    if (this.stopped || !Number.isFinite(at)) return;
    const index = this.indexOf(at);
    if (this.times[index] === at) return;
    this.times.splice(index, 0, at);
    if (this.times.length > MAX_TIMES) this.times.pop();
    if (this.armedFor === undefined || at < this.armedFor) this.arm();
  }

  /** Forgets every time and cancels the timer. */
  stop(): void {
    this.stopped = true;
    this.times = [];
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const now = this.now();
    let passed = 0;
    while (passed < this.times.length && this.times[passed] <= now) passed++;
    if (passed > 0) {
      this.times.splice(0, passed);
      this.due();
    }
    const next = this.times[0];
    if (next === undefined) return;
    this.armedFor = next;
    this.cancelTimer = this.clock.setTimer(next - now, () => {
      this.cancelTimer = undefined;
      this.armedFor = undefined;
      this.arm();
    });
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedFor = undefined;
  }

  /** Where `at` belongs in the ascending list (binary search). */
  private indexOf(at: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.times[middle] < at) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
