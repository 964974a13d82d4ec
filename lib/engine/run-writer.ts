import { LidexError } from '../errors/lidex.error';
import { StoreUnavailableError } from '../errors/store-unavailable.error';
import { messages } from '../lidex.messages';
import type {
  ClaimedWorkflow,
  StepOutcome,
  WaitRelease,
} from '../stores/persistence';
import { Deferred, never, Wakeup } from './deferred';
import { leaseLossReason } from './lease-loss';
import { HeldStep } from './run-held-step';
import { RunLease } from './run-lease';
import { RunWrites } from './run-writes';
import type { RunDependencies } from './run-dependencies';
import type { RunTrace } from './tracing/run-tracing';

const HOLDS = Promise.resolve(true);
const HOLDS_NOT = Promise.resolve(false);

/** Why a run stopped before its workflow returned. */
export type HaltReason =
  'lease-lost' | 'released' | 'stopped' | 'store-unreachable' | 'cancelled';

/**
 * A run's one way to the store, and its life: every write of the run (steps, sleeps, renewals,
 * its release and its outcome) goes through here, fenced by the run's lease token (one at a time
 * where the store says it must), retried through short outages for as long as a lease lasts. It holds the lease (renewed by
 * `RunLease`) and the run's halt: once `halted` settles, nothing more is written.
 */
export class RunWriter {
  readonly workflowId: string;
  readonly leaseToken: string;
  /** The workflow's name and when this run claimed it (for its events and spans). */
  readonly workflowName: string;
  readonly claimedAt: number;
  /** The run's span (a no-op without tracing). */
  readonly trace: RunTrace;
  readonly halted = new Deferred<HaltReason>();
  /** The newest step record, when held back to be written with the finish (`run-held-step.ts`). */
  readonly held = new HeldStep();
  /** The lease as this process knows it; renewed between `startLease()` and `stopLease()`. */
  private readonly lease: RunLease;
  /** Cut short by `halt()` and `requestStop()`: backoffs and in-memory sleeps wait on it. */
  private readonly wakeup: Wakeup;
  /** One at a time where the store says it must, overlapping elsewhere. */
  private readonly writes: RunWrites;
  private stopWanted = false;
  /**
   * Aborted when the run must stop (halted, or asked to stop): a step's `signal` follows it.
   * Made when first read (most runs never need it); `stoppedFor` is why it is, or would be,
   * aborted: the first reason given.
   */
  private stopping?: AbortController;
  private stoppedFor?: HaltReason;

  /** `leaseSentAt`: when the claim (or insert) that took the lease was sent, on `deps.monotonic`. */
  constructor(
    claimed: Pick<
      ClaimedWorkflow,
      'id' | 'leaseToken' | 'name' | 'version' | 'traceContext'
    >,
    private readonly deps: RunDependencies,
    leaseSentAt: number,
  ) {
    this.workflowId = claimed.id;
    this.leaseToken = claimed.leaseToken;
    this.workflowName = claimed.name;
    this.claimedAt = deps.now();
    this.trace = deps.tracing.run(claimed);
    this.wakeup = new Wakeup(deps.clock);
    this.writes = new RunWrites(deps.store.serialWritesPerWorkflow === true);
    this.lease = new RunLease(
      {
        workflowId: claimed.id,
        timeoutIntervalMs: deps.options.timeoutIntervalMs,
        logger: deps.logger,
        clock: deps.clock,
        renew: () => this.renewLease(),
        lost: () => void this.loseLease(),
      },
      leaseSentAt,
    );
  }

  /** Whether a step's record may wait to be written with the finish (the store takes it). */
  get holdsSteps(): boolean {
    return this.deps.store.finishTakesStep === true;
  }

  /** Whether shutdown asked the run to stop at its next durable point. */
  get stopRequested(): boolean {
    return this.stopWanted;
  }

  /** Aborted once the run halts or is asked to stop, with the reason. */
  get stopSignal(): AbortSignal {
    if (!this.stopping) {
      this.stopping = new AbortController();
      if (this.stoppedFor !== undefined)
        this.stopping.abort(stopReason(this.workflowId, this.stoppedFor));
    }
    return this.stopping.signal;
  }

  /** Whether `stopSignal` is aborted, without making it. */
  get stopSignalled(): boolean {
    return this.stoppedFor !== undefined;
  }

  /** Shutdown: stop at the next durable point and hand the workflow back. */
  requestStop(): void {
    this.stopWanted = true;
    this.abortStop('stopped');
    this.wakeup.wake();
  }

  /** Stops the run at once; whatever it writes afterwards is not attempted. */
  halt(reason: HaltReason): Promise<never> {
    if (!this.halted.settled) this.halted.resolve(reason);
    this.held.drop();
    // A halted run renews nothing (`renewLease` answers 'not-due'): its renewal loop ends here,
    // also for a run whose code never returns (a compensation abandoned at shutdown), which
    // would otherwise ask again and again without yielding to a timer.
    this.lease.stop();
    this.abortStop(reason);
    this.wakeup.wake();
    return never();
  }

  /** Waits `ms`, less when the run halts or is asked to stop. */
  async pause(ms: number): Promise<void> {
    await this.wakeup.wait(ms);
  }

  /** Keeps the lease renewed, counted from when the claim was sent (a late claim renews at once). */
  startLease(): void {
    this.lease.start();
  }

  stopLease(): void {
    this.lease.stop();
  }

  /**
   * Writes to the store, retrying through short outages for as long as a lease lasts;
   * `undefined` when the run halted first. Lidex's own errors (a value the store refuses) are
   * not retried: they are thrown.
   */
  async write<T>(operation: () => Promise<T>): Promise<T | undefined> {
    let failingSince: number | undefined;
    let backoffMs = 50;
    for (;;) {
      if (this.halted.settled) return undefined;
      try {
        return await this.exclusive(operation);
      } catch (error) {
        // A store that cannot be reached (or stopped serving) is waited for like any outage.
        if (
          error instanceof LidexError &&
          !(error instanceof StoreUnavailableError)
        )
          throw error;
        const now = this.deps.now();
        failingSince ??= now;
        const cause = error instanceof Error ? error.message : String(error);
        if (now - failingSince >= this.deps.options.timeoutIntervalMs) {
          this.deps.logger.error(
            messages.writeAbandoned(this.workflowId, cause, now - failingSince),
          );
          void this.halt('store-unreachable');
          return undefined;
        }
        this.deps.logger.warn(
          messages.storeWriteRetry(this.workflowId, cause, backoffMs),
        );
        await this.wakeup.wait(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }

  /**
   * A write that sets the lease's expiry from `at`, read as it is sent (not when it was queued);
   * when the store accepts it, the lease lasts a full lease from then. `false`: the workflow is
   * no longer this run's, which stops the run; `undefined`: the run halted first.
   */
  async leaseSettingWrite(
    write: (at: number) => Promise<boolean>,
  ): Promise<boolean | undefined> {
    const written = await this.write(() => this.setLease(write));
    if (written === false) void this.loseLease();
    return written;
  }

  /**
   * A step write that keeps the lease (`next` does not release). Within a tenth of a lease of
   * when the lease was last set, and when the store takes one (`stepKeepsLease`), it leaves the
   * lease's expiry as the store has it (no `readyAt`): it changes no column the claims' indexes
   * hold. Later, it sets the lease, as a renewal would. `false`: the workflow is no longer this run's, which stops the run;
   * `undefined`: the run halted first.
   */
  async keepingWrite(
    write: (next: StepOutcome) => Promise<boolean>,
  ): Promise<boolean | undefined> {
    if (this.deps.store.stepKeepsLease !== true || this.lease.stepShouldSet()) {
      return this.leaseSettingWrite((at) =>
        write({
          readyAt: at + this.deps.options.timeoutIntervalMs,
          release: false,
          now: at,
        }),
      );
    }
    const written = await this.write(() =>
      write({ release: false, now: this.deps.now() }),
    );
    if (written === false) void this.loseLease();
    else if (written) this.lease.touch();
    return written;
  }

  /** Hands the workflow back to the store, ready at `readyAt`; the run then stops. */
  async release(readyAt: number): Promise<never> {
    const now = this.deps.now();
    const released = await this.write(() =>
      this.deps.store.releaseLease(this.workflowId, this.leaseToken, {
        readyAt,
        now,
      }),
    );
    if (released !== undefined) this.deps.expectReady(readyAt);
    return this.halt(this.stopWanted ? 'stopped' : 'released');
  }

  /**
   * Hands the workflow back to wait (`wait`): ready again at `readyAt` (its timeout), or only when
   * a signal wakes it. The run then stops.
   */
  async releaseToWait(
    readyAt: number | undefined,
    wait: WaitRelease,
  ): Promise<never> {
    const now = this.deps.now();
    const released = await this.write(() =>
      this.deps.store.releaseLease(this.workflowId, this.leaseToken, {
        readyAt,
        now,
        wait,
      }),
    );
    if (released !== undefined && readyAt !== undefined) {
      this.deps.expectReady(readyAt);
    }
    return this.halt(this.stopWanted ? 'stopped' : 'released');
  }

  /**
   * Whether the run may start work with effects. When the lease has expired as this process
   * knows it (it was frozen, or starved), one renewal is tried; the run stops unless it holds.
   */
  leaseHolds(): Promise<boolean> {
    if (this.halted.settled) return HOLDS_NOT;
    // Checked before every step: no promise is made while the lease lasts as known here.
    if (this.lease.remainingMs() > 0) return HOLDS;
    return this.renewedHolds();
  }

  private async renewedHolds(): Promise<boolean> {
    if (await this.lease.holds()) return !this.halted.settled;
    void this.halt('store-unreachable');
    return false;
  }

  /**
   * The workflow is no longer this run's (a store write was refused). Stops the run, and says
   * once what the store shows happened.
   */
  loseLease(): Promise<never> {
    if (!this.halted.settled) {
      this.deps.events.emit('lease-lost', () => ({
        workflowId: this.workflowId,
        workflowName: this.workflowName,
        at: this.deps.now(),
      }));
      void this.explainLostLease();
    }
    return this.halt('lease-lost');
  }

  /** Aborts `stopSignal` (when made) with the first reason given. */
  private abortStop(reason: HaltReason): void {
    if (this.stoppedFor !== undefined) return;
    this.stoppedFor = reason;
    this.stopping?.abort(stopReason(this.workflowId, reason));
  }

  /**
   * Sends one of the run's store writes: one at a time, in order, where the store says it must
   * (`serialWritesPerWorkflow`: FerretDB 1.x, where a renewal racing a step write can undo it).
   */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    return this.writes.send(operation);
  }

  private setLease(write: (at: number) => Promise<boolean>): Promise<boolean> {
    return this.writes.setLease(
      this.lease.now(),
      () => write(this.deps.now()),
      (sentAt) => this.lease.extend(sentAt),
    );
  }

  /**
   * One renewal, unless a write before it set the lease. Refused while other writes of the run
   * were in flight, it is judged once they have settled: a finish or release applied first
   * refuses it rightly, and a lease truly lost refuses them too (or the next renewal).
   */
  private renewLease(): Promise<boolean | 'not-due'> {
    return this.writes.renew(async () => {
      if (this.halted.settled || !this.lease.renewalDue()) return 'not-due';
      const held = await this.setLease((at) =>
        this.deps.store.renewLease(this.workflowId, {
          token: this.leaseToken,
          until: at + this.deps.options.timeoutIntervalMs,
        }),
      );
      if (!held && (await this.writes.settle())) return 'not-due';
      return held;
    });
  }

  private async explainLostLease(): Promise<void> {
    const reason = await this.deps.store
      .getWorkflow(this.workflowId)
      .then((stored) => leaseLossReason(stored, this.leaseToken))
      .catch(() => 'unknown' as const);
    if (reason === 'cancelled') {
      this.deps.logger.log(messages.runCancelled(this.workflowId));
    } else {
      this.deps.logger.warn(messages.leaseLost(this.workflowId, reason));
    }
  }
}

/** What a step's aborted `signal` holds when the run stops: an `AbortError` naming why. */
function stopReason(workflowId: string, reason: string): Error {
  const error = new Error(messages.runStopping(workflowId, reason));
  error.name = 'AbortError';
  return error;
}
