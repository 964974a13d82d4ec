import { messages } from '../lidex.messages';
import type { Persistence, SeenLease } from '../stores/persistence';
import type { ResolvedEngineOptions } from './options';
import type { LidexLogger } from './types';

/** The most leases one look reads (the soonest to end). */
const LEASES_PER_LOOK = 100;
/** How often the clock warning may be repeated. */
const WARN_EVERY_MS = 60_000;

export interface LeaseWatchDependencies {
  store: Persistence;
  options: ResolvedEngineOptions;
  logger: LidexLogger;
  now: () => number;
  monotonic: () => number;
}

/** A lease as last seen, and since when (monotonic) it has looked the same. */
interface Sighting {
  leaseToken: string;
  until: number;
  since: number;
}

/**
 * Which leases this worker may take over, on a store without a server clock. A lease that has
 * expired by this worker's clock is taken over only once this worker has seen it unchanged for
 * half a lease on its own monotonic clock — longer than a live owner waits between renewals (a
 * third of a lease) — so a worker whose clock runs ahead never takes over a lease that is still
 * renewed. Leases are watched from half a lease before they end, so a crashed owner's workflows
 * are still taken over about when their lease ends.
 *
 * A lease renewed while it already looked expired here tells how far this worker's clock is
 * ahead of its owner's: more than a quarter of a lease is logged.
 */
export class LeaseWatch {
  private sightings = new Map<string, Sighting>();
  private lastLook?: { monotonic: number; now: number };
  private warnedAt?: number;

  constructor(private readonly deps: LeaseWatchDependencies) {}

  /** The leases that may be taken over now, soonest ended first; looks again when it is time. */
  async takeOvers(): Promise<SeenLease[]> {
    const leaseMs = this.deps.options.timeoutIntervalMs;
    const unrenewedMs = leaseMs / 2;
    const monotonic = this.deps.monotonic();
    const now = this.deps.now();
    if (
      this.lastLook === undefined ||
      monotonic - this.lastLook.monotonic >= leaseMs / 10
    ) {
      await this.look(now, monotonic, unrenewedMs);
    }
    const due: SeenLease[] = [];
    for (const [workflowId, seen] of this.sightings) {
      if (seen.until <= now && monotonic - seen.since > unrenewedMs) {
        due.push({
          workflowId,
          leaseToken: seen.leaseToken,
          until: seen.until,
        });
      }
    }
    return due.sort((a, b) => a.until - b.until);
  }

  private async look(
    now: number,
    monotonic: number,
    aheadOfNowMs: number,
  ): Promise<void> {
    const leaseMs = this.deps.options.timeoutIntervalMs;
    const leases = await this.deps.store.listLeases!(
      now + aheadOfNowMs,
      LEASES_PER_LOOK,
    );
    const previous = this.lastLook;
    const sightings = new Map<string, Sighting>();
    let aheadMs = 0;
    for (const lease of leases) {
      const before = this.sightings.get(lease.workflowId);
      if (
        before &&
        before.leaseToken === lease.leaseToken &&
        before.until === lease.until
      ) {
        sightings.set(lease.workflowId, before);
        continue;
      }
      sightings.set(lease.workflowId, {
        leaseToken: lease.leaseToken,
        until: lease.until,
        since: monotonic,
      });
      // Set since the last look, by a writer whose clock then read `until - leaseMs`.
      if (before && previous) {
        aheadMs = Math.max(aheadMs, previous.now - (lease.until - leaseMs));
      }
    }
    this.sightings = sightings;
    this.lastLook = { monotonic, now };
    if (aheadMs > leaseMs / 4) this.warnAhead(aheadMs, monotonic);
  }

  private warnAhead(aheadMs: number, monotonic: number): void {
    if (
      this.warnedAt !== undefined &&
      monotonic - this.warnedAt < WARN_EVERY_MS
    ) {
      return;
    }
    this.warnedAt = monotonic;
    this.deps.logger.warn(
      messages.clockAheadOfLeases(
        this.deps.store.describe(),
        Math.round(aheadMs),
        this.deps.options.timeoutIntervalMs,
      ),
    );
  }
}
