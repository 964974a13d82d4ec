import { messages } from '../lidex.messages';
import type { Clock } from './clock';
import type { LidexLogger } from './types';
import { Wakeup } from './deferred';
import { describeError } from './workflow-error';

/** What a run's lease needs from the run and the engine. */
export interface RunLeaseDependencies {
  workflowId: string;
  /** How long a lease lasts from the moment the write that set it was sent. */
  timeoutIntervalMs: number;
  logger: LidexLogger;
  /** The engine's clock: its monotonic reading keeps counting through a freeze and ignores clock changes; its timers pace renewals. */
  clock: Clock;
  /**
   * Sends one renewal, through the run's write queue: `true` when the store moved the lease,
   * `false` when the lease is no longer the run's, `'not-due'` when a write queued before it
   * extended the lease meanwhile. Throws when the store could not be reached.
   */
  renew: () => Promise<boolean | 'not-due'>;
  /** The lease is gone: the run stops. */
  lost: () => void;
}

/**
 * A run's knowledge of its lease, on this process's monotonic clock: the lease lasts until
 * `timeoutIntervalMs` after the last claim, renewal or step write that set it was *sent* (not
 * when it came back), which is never later than its expiry in the store.
 *
 * It keeps the lease alive: a renewal is sent a third of a lease after the last lease-setting
 * write was sent, or at once when that write came back late (a slow store), one at a time.
 */
export class RunLease {
  private endsAt: number;
  private readonly timer: Wakeup;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly deps: RunLeaseDependencies,
    /** When the write that first set the lease (the claim or insert) was sent. */
    sentAt: number,
  ) {
    this.endsAt = sentAt + deps.timeoutIntervalMs;
    this.timer = new Wakeup(deps.clock);
  }

  /** The time on the monotonic clock, to note before a lease-setting write is sent. */
  now(): number {
    return this.deps.clock.monotonic();
  }

  /** How long the lease lasts as this process knows it; 0 or less when it has expired. */
  remainingMs(): number {
    return this.endsAt - this.deps.clock.monotonic();
  }

  /** A write sent at `sentAt` set the lease: it lasts a full lease from then. */
  extend(sentAt: number): void {
    this.endsAt = Math.max(this.endsAt, sentAt + this.deps.timeoutIntervalMs);
    this.timer.wake();
  }

  /**
   * A write that kept the lease as it was came back: the lease is not moved, but the renewal
   * loop looks again at when one is due, its timer set anew, as after every write the run makes
   * (a `ManualClock` counts that as work under way, and lets the run's next write settle before
   * it fires a later timer).
   */
  touch(): void {
    this.timer.wake();
  }

  /**
   * Whether a step write should set the lease: a tenth of it has passed since it was last set.
   * Sooner than a renewal is due, so that a run busy with steps keeps nine tenths of a lease or
   * more in the store, as when every step write set it.
   */
  stepShouldSet(): boolean {
    return this.remainingMs() <= this.deps.timeoutIntervalMs * 0.9;
  }

  /** Whether a renewal is due: a third of the lease has passed since it was last set. */
  renewalDue(): boolean {
    return this.remainingMs() <= this.renewEveryMs() * 2;
  }

  /**
   * Whether the run may go on with work that has effects (a step's function, waking from a
   * sleep). When its lease has expired, it tries one renewal first: the run goes on only if that
   * holds. Otherwise the run is stopped and `false` returned.
   */
  async holds(): Promise<boolean> {
    if (this.remainingMs() > 0) return true;
    try {
      const renewed = await this.deps.renew();
      if (renewed !== false) return true;
      this.deps.lost();
    } catch (error) {
      this.deps.logger.warn(
        messages.leaseExpiredUnrenewed(
          this.deps.workflowId,
          describeError(error),
        ),
      );
    }
    return false;
  }

  /** Starts renewing until `stop()`. */
  start(): void {
    this.loop ??= this.renewLoop();
  }

  /** Stops renewing. A renewal under way is not waited for: a hung store must not hold the run. */
  stop(): void {
    this.stopped = true;
    this.timer.wake();
  }

  private renewEveryMs(): number {
    return Math.max(1, Math.floor(this.deps.timeoutIntervalMs / 3));
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopped) {
      const dueInMs = this.remainingMs() - this.renewEveryMs() * 2;
      if (dueInMs > 0) {
        await this.timer.wait(dueInMs);
        continue;
      }
      let renewed: boolean | 'not-due';
      try {
        renewed = await this.deps.renew();
      } catch (error) {
        this.deps.logger.warn(
          messages.leaseRenewFailed(this.deps.workflowId, describeError(error)),
        );
        // Try again soon, but do not hammer a store that is down.
        await this.timer.wait(Math.min(this.renewEveryMs() / 2, 1_000));
        continue;
      }
      if (renewed === false) {
        if (!this.stopped) this.deps.lost();
        return;
      }
    }
  }
}
