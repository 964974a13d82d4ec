import { messages } from '../lidex.messages';
import type { Persistence } from '../stores/persistence';
import type { ResolvedEngineOptions } from './options';
import type { LidexLogger } from './types';
import { describeError } from './workflow-error';

/** How often a worker compares its clock again, after the check before its first claim. */
const CHECK_EVERY_MS = 60_000;
/** How many of the newest workflows a store without a server clock is read for others' times. */
const RECENT_WORKFLOWS = 20;

export interface ClockCheckDependencies {
  store: Persistence;
  options: ResolvedEngineOptions;
  logger: LidexLogger;
  /** This process's clock (ms since the epoch). */
  localNow: () => number;
  monotonic: () => number;
  /** Whether `now()` follows the server's clock (false when the app passed its own clock). */
  followServer: boolean;
}

/**
 * Compares this worker's clock with the database server's, where the store has one: the engine's
 * times then follow the server's (so leases, sleeps and retries of all workers are on one clock),
 * and a difference above a quarter of a lease is logged. Where the store has no server clock,
 * times other instances stored in this worker's future are logged the same way.
 */
export class ClockCheck {
  private offsetMs = 0;
  private checkedAt?: number;

  constructor(private readonly deps: ClockCheckDependencies) {}

  /** The engine's clock: this process's, moved by the server's measured offset. */
  now(): number {
    return this.deps.localNow() + (this.deps.followServer ? this.offsetMs : 0);
  }

  /** Compares clocks, at most once every minute. Never throws: a failed check is logged. */
  async check(): Promise<void> {
    const at = this.deps.monotonic();
    if (this.checkedAt !== undefined && at - this.checkedAt < CHECK_EVERY_MS)
      return;
    this.checkedAt = at;
    try {
      if (this.deps.store.serverTime) await this.checkServer();
      else await this.checkStoredTimes();
    } catch (error) {
      this.deps.logger.warn(
        messages.clockCheckFailed(
          this.deps.store.describe(),
          describeError(error),
        ),
      );
    }
  }

  private quarterLease(): number {
    return this.deps.options.timeoutIntervalMs / 4;
  }

  private async checkServer(): Promise<void> {
    const { store, localNow, logger, options } = this.deps;
    const sent = localNow();
    const server = await store.serverTime!();
    const back = localNow();
    // The server read its clock somewhere in the round trip: about half-way, give or take half.
    const offset = server - (sent + back) / 2;
    this.offsetMs = offset;
    if (Math.abs(offset) - (back - sent) / 2 > this.quarterLease()) {
      logger.warn(
        messages.clockOffServer(
          store.describe(),
          Math.round(-offset),
          options.timeoutIntervalMs,
          this.deps.followServer,
        ),
      );
    }
  }

  private async checkStoredTimes(): Promise<void> {
    const { store, logger, options } = this.deps;
    const recent = await store.listWorkflows({ limit: RECENT_WORKFLOWS });
    const latest = Math.max(...recent.map((workflow) => workflow.updatedAt));
    const aheadOfMe = latest - this.now();
    if (aheadOfMe > this.quarterLease()) {
      logger.warn(
        messages.clockBehindStoredTimes(
          store.describe(),
          Math.round(aheadOfMe),
          options.timeoutIntervalMs,
        ),
      );
    }
  }
}
