import { InvalidArgumentError } from '../errors/invalid-argument.error';
import type { Clock, TimerOptions } from '../engine/clock';
import { messages } from '../lidex.messages';

interface Timer {
  /** When it is due, on the monotonic reading. */
  dueAt: number;
  /** Set order: timers due at the same moment fire in the order they were set. */
  seq: number;
  idle: boolean;
  fire: () => void;
}

/** Rounds of the event loop with no timer set, fired or cancelled that count as settled. */
const QUIET_ROUNDS = 3;

const pass = (): Promise<void> =>
  new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that moves only when a test moves it, for `LidexModule.forRoot({ clock })` or
 * `new LidexEngine({ clock })`: a workflow's day-long sleep, an hour's retry interval or a
 * 30-day lease pass in milliseconds.
 *
 * - `advance(ms)` moves time forward, firing the timers due on the way in time order; after each,
 *   the work it set off (store reads and writes, the workflow's code) settles before the next.
 * - `set(date)` sets the wall time (`now()`), forward or back, as a clock corrected by hand:
 *   timers, which count elapsed time, do not fire; the engine looks for work due at the new time.
 * - `runDue()` runs what is due now and lets it settle.
 *
 * Timers that only look for work (polls, `wait()` checks) fire beside the others rather than at
 * every interval, so skipping a month costs the few timers that do something. Work that waits
 * for something outside this process's event loop (a network store) is not waited for: await it.
 */
export class ManualClock implements Clock {
  private wall: number;
  private elapsed = 0;
  private timers: Timer[] = [];
  private seq = 0;
  /** Counts every set, fire and cancel, to tell when work has settled. */
  private changes = 0;
  private busy = false;

  /** `start`: the wall time it reads first. */
  constructor(start: Date | number = Date.now()) {
    this.wall = toMs(start);
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.elapsed;
  }

  setTimer(ms: number, fire: () => void, options?: TimerOptions): () => void {
    const timer: Timer = {
      dueAt: this.elapsed + Math.max(0, Number.isFinite(ms) ? ms : 0),
      seq: ++this.seq,
      idle: options?.idle === true,
      fire,
    };
    this.timers.push(timer);
    this.changes++;
    return () => {
      const index = this.timers.indexOf(timer);
      if (index < 0) return;
      this.timers.splice(index, 1);
      this.changes++;
    };
  }

  /** The current wall time, as a Date. */
  get date(): Date {
    return new Date(this.wall);
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way, soonest first, each one's
   * work settled before the next fires; resolves when the last has settled.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new InvalidArgumentError(messages.manualClockNotAdvancing(ms));
    await this.exclusive(async () => {
      const target = this.elapsed + ms;
      await this.settle();
      for (;;) {
        const next = this.soonest((timer) => !timer.idle);
        if (next === undefined || next.dueAt > target) break;
        this.moveTo(next.dueAt);
        this.fireIdle();
        this.fireOne(next);
        await this.settle();
      }
      this.moveTo(target);
      await this.runDueNow();
    });
  }

  /**
   * Sets the wall time, forward or back. Timers count elapsed time and do not fire; what looks
   * for work does so at once, so workflows due at the new time run.
   */
  async set(date: Date | number): Promise<void> {
    const ms = toMs(date);
    await this.exclusive(async () => {
      this.wall = ms;
      this.changes++;
      await this.runDueNow();
    });
  }

  /** Runs every timer due now (and what only looks for work), each settled before the next. */
  async runDue(): Promise<void> {
    await this.exclusive(() => this.runDueNow());
  }

  private async runDueNow(): Promise<void> {
    await this.settle();
    this.fireIdle();
    await this.settle();
    for (;;) {
      const next = this.soonest((timer) => timer.dueAt <= this.elapsed);
      if (next === undefined) return;
      this.fireOne(next);
      await this.settle();
    }
  }

  private async exclusive(work: () => Promise<void>): Promise<void> {
    if (this.busy) throw new InvalidArgumentError(messages.manualClockBusy());
    this.busy = true;
    try {
      await work();
    } finally {
      this.busy = false;
    }
  }

  /** Moves elapsed and wall time together to `elapsed`. */
  private moveTo(elapsed: number): void {
    this.wall += elapsed - this.elapsed;
    this.elapsed = elapsed;
  }

  /** The soonest timer that `accepts`, the first set among equals. */
  private soonest(accepts: (timer: Timer) => boolean): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (!accepts(timer)) continue;
      if (
        !best ||
        timer.dueAt < best.dueAt ||
        (timer.dueAt === best.dueAt && timer.seq < best.seq)
      )
        best = timer;
    }
    return best;
  }

  /** Fires the timers that only look for work, all at once. */
  private fireIdle(): void {
    const idle = this.timers.filter((timer) => timer.idle);
    for (const timer of idle) this.fireOne(timer);
  }

  private fireOne(timer: Timer): void {
    const index = this.timers.indexOf(timer);
    if (index < 0) return;
    this.timers.splice(index, 1);
    this.changes++;
    timer.fire();
  }

  /**
   * Lets the work set off settle: turns of the event loop (promises, I/O callbacks, immediates)
   * until a few pass with no timer set, fired or cancelled.
   */
  private async settle(): Promise<void> {
    let quiet = 0;
    while (quiet < QUIET_ROUNDS) {
      const before = this.changes;
      await pass();
      quiet = this.changes === before ? quiet + 1 : 0;
    }
  }
}

function toMs(date: Date | number): number {
  const ms = date instanceof Date ? date.getTime() : date;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new InvalidArgumentError(messages.manualClockBadDate(date));
  return ms;
}
