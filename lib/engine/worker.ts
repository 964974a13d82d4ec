import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../errors/store-unavailable.error';
import { messages } from '../lidex.messages';
import type { ClaimedWorkflow, Lease } from '../stores/persistence';
import { settledOrAfter } from './clock';
import { Deferred, Wakeup } from './deferred';
import { LeaseWatch } from './lease-watch';
import { OLDEST_FIRST_EVERY } from './flow-limits';
import { ReadyTimes } from './ready-times';
import { describeError } from './workflow-error';
import type { RunDependencies } from './run-dependencies';
import type { PreparedRun, WorkflowRunner } from './workflow-runner';

/** The most workflows one poll claims at once (one store call). */
const MAX_CLAIM_BATCH = 100;
/** How often an idle worker asks a store that can tell whether another process wrote. */
const WATCH_EVERY_MS = 4;

/**
 * The poll loop: claims ready workflows while it has room for them, runs them, and on stop
 * drains what is running. Every promise it starts is tracked and awaited by `stop()`.
 */
export class Worker {
  private readonly active = new Map<PreparedRun, Promise<void>>();
  /** Claims being given back because they arrived after stop(). */
  private readonly handingBack = new Set<Promise<void>>();
  /** The poll loop's waits: they only look for work (`idle`). */
  private readonly wakeup: Wakeup;
  /** When workflows this engine put back become ready: the worker looks then. */
  private readonly readyTimes: ReadyTimes;
  /** Places held for workflows this process is starting right now. */
  private reserved = 0;
  /**
   * News of work so far (nudges, writes heard from elsewhere): one that came while a run held
   * its workflow's lease may have found it leased, so that run's end looks again.
   */
  private news = 0;
  /**
   * Claims that took work so far: the one after every `OLDEST_FIRST_EVERY - 1` of them takes the
   * oldest, whatever the priority. Polls that find nothing are not counted: counted, a workload
   * whose runs last that many polls had every claim with work take the oldest.
   */
  private claimsWithWork = 0;
  private reservationsDone?: Deferred;
  private loop?: Promise<void>;
  private stopped?: Promise<void>;
  private crashed = false;
  /** Where the store has no server clock: which leases may be taken over. */
  private readonly leaseWatch?: LeaseWatch;

  /** `heardElsewhere`: called when the store tells of a write by another process. */
  constructor(
    private readonly deps: RunDependencies,
    private readonly runner: WorkflowRunner,
    private readonly heardElsewhere: () => void = () => undefined,
  ) {
    const { store } = deps;
    this.wakeup = new Wakeup(deps.clock, { idle: true });
    this.readyTimes = new ReadyTimes(deps.clock, deps.now, () => this.nudge());
    if (store.listLeases && !store.serverTime && !deps.appClock) {
      this.leaseWatch = new LeaseWatch(deps);
    }
  }

  get running(): boolean {
    return (
      this.loop !== undefined && this.stopped === undefined && !this.crashed
    );
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.pollLoop().catch((error: unknown) => {
      this.crashed = true;
      this.deps.logger.error(messages.workerCrashed(describeError(error)));
    });
  }

  /** A fresh lease from now. */
  newLease(): Lease {
    return {
      token: randomUUID(),
      until: this.deps.now() + this.deps.options.timeoutIntervalMs,
    };
  }

  /** Holds a place for a workflow this process is starting, if there is room. */
  tryReserve(): boolean {
    if (!this.running || this.occupied() >= this.deps.options.concurrency)
      return false;
    this.reserved += 1;
    return true;
  }

  /** The workflow was not created after all; its place is free again. */
  cancelReservation(): void {
    this.endReservation();
    this.wakeup.wake();
  }

  /**
   * Runs a workflow this process claimed while starting it, in the place it reserved.
   * `leaseSentAt`: when the insert that took its lease was sent, on `deps.monotonic`.
   */
  runReserved(claimed: ClaimedWorkflow, leaseSentAt: number): void {
    // Stopping meanwhile: the run hands the workflow back at its first durable point.
    this.launch(claimed, leaseSentAt, this.stopped !== undefined);
    this.endReservation();
  }

  /** This process's runs of a workflow (at most one, unless a lease was lost). */
  runsOf(workflowId: string): PreparedRun[] {
    return [...this.active.keys()].filter(
      (run) => run.workflowId === workflowId,
    );
  }

  /** Looks for work now rather than at the next poll. */
  nudge(): void {
    this.news += 1;
    this.wakeup.wake();
  }

  /** A workflow this engine put back is ready at `readyAt`: look for work then. */
  expectReady(readyAt: number): void {
    if (this.running) this.readyTimes.add(readyAt);
  }

  /**
   * Stops claiming, asks running workflows to stop at their next durable point, and waits up to
   * the grace period for them. Runs still inside a step after that are abandoned: their leases
   * expire and another instance resumes them. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    if (!this.loop) return Promise.resolve();
    this.stopped ??= this.drain();
    return this.stopped;
  }

  private async drain(): Promise<void> {
    const { shutdownGraceMs } = this.deps.options;
    const { clock } = this.deps;
    this.readyTimes.stop();
    // The grace period bounds the whole drain, waiting for a claim or a start under way included.
    let endGrace: (() => void) | undefined;
    const graceOver = new Promise<void>((resolve) => {
      endGrace = clock.setTimer(shutdownGraceMs, resolve);
    });
    this.wakeup.wake();
    await Promise.race([this.loop, graceOver]);
    if (this.reserved > 0) {
      this.reservationsDone = new Deferred();
      await Promise.race([this.reservationsDone.promise, graceOver]);
    }
    if (this.active.size > 0) {
      this.deps.logger.log(
        messages.workerDraining(this.active.size, shutdownGraceMs),
      );
      for (const run of this.active.keys()) run.requestStop();
      await Promise.race([Promise.allSettled(this.active.values()), graceOver]);
    }
    endGrace?.();
    if (this.active.size > 0) {
      const stuck = [...this.active.keys()];
      this.deps.logger.warn(
        messages.drainTimedOut(stuck.map((run) => run.workflowId)),
      );
      for (const run of stuck) run.halt('stopped');
      // Halted runs return at once unless a store call of theirs hangs; do not wait on that.
      await settledOrAfter(clock, [...this.active.values()], 1_000);
    }
    // Claims handed back are released before the store is closed.
    await settledOrAfter(clock, [...this.handingBack], 1_000);
    this.deps.logger.log(messages.workerStopped());
  }

  /** A claim that came back after stop(): give it back (fenced, so harmless if too late). */
  private handBack(claimed: ClaimedWorkflow): void {
    const now = this.deps.now();
    const released: Promise<void> = this.deps.store
      .releaseLease(claimed.id, claimed.leaseToken, { readyAt: now, now })
      .then(
        () => undefined,
        (error: unknown) =>
          this.deps.logger.warn(
            messages.handBackFailed(claimed.id, describeError(error)),
          ),
      )
      .finally(() => this.handingBack.delete(released));
    this.handingBack.add(released);
  }

  private endReservation(): void {
    this.reserved -= 1;
    if (this.reserved === 0) this.reservationsDone?.resolve();
  }

  private occupied(): number {
    return this.active.size + this.reserved;
  }

  private async pollLoop(): Promise<void> {
    const { pollIntervalMs, concurrency } = this.deps.options;
    let backoffMs = 0;
    while (!this.stopped) {
      const room = Math.min(concurrency - this.occupied(), MAX_CLAIM_BATCH);
      if (room <= 0) {
        // Busy: the claim once a place frees covers new work; others still hear of the write.
        if (this.deps.store.hasForeignWrites?.()) this.heardOfWrites();
        await this.wakeup.wait(pollIntervalMs);
        continue;
      }
      // Before the first claim and now and then: is this worker's clock where the store's is?
      await this.deps.checkClock();
      let claimed: ClaimedWorkflow[];
      // The leases are counted from now, before the claim is sent: however long it takes.
      const sentAt = this.deps.monotonic();
      try {
        const takeOver = await this.leaseWatch?.takeOvers();
        claimed = await this.deps.store.claimReady(
          this.deps.now(),
          Array.from({ length: room }, () => this.newLease()),
          takeOver,
          {
            versions: this.deps.versions,
            limits: this.deps.limits,
            oldestFirst:
              this.claimsWithWork % OLDEST_FIRST_EVERY ===
              OLDEST_FIRST_EVERY - 1,
          },
        );
        this.deps.tracing.claimed(
          this.deps.monotonic() - sentAt,
          claimed.length,
        );
        if (claimed.length > 0) this.claimsWithWork += 1;
        backoffMs = 0;
      } catch (error) {
        backoffMs = Math.min(
          Math.max(backoffMs * 2, 100),
          Math.max(pollIntervalMs, 5_000),
        );
        // A store that stopped serving will not come back by itself: that is an error.
        const stopped =
          error instanceof StoreUnavailableError && error.when === 'stopped';
        this.deps.logger[stopped ? 'error' : 'warn'](
          messages.claimFailed(describeError(error), backoffMs),
        );
        await this.wakeup.wait(backoffMs);
        continue;
      }
      for (const workflow of claimed) {
        // Stopping meanwhile: give it straight back rather than start it.
        if (this.stopped) this.handBack(workflow);
        else this.launch(workflow, sentAt);
      }
      // All the room was filled: there may be more ready at once. Otherwise, wait for work.
      if (claimed.length < room) await this.waitForWork(pollIntervalMs);
    }
  }

  /**
   * Idle: waits `ms`, ending early when this process starts a workflow or, on stores that can
   * tell cheaply, when another process writes (it may have started one).
   */
  private async waitForWork(ms: number): Promise<void> {
    const { store } = this.deps;
    if (!store.hasForeignWrites) {
      await this.wakeup.wait(ms);
      return;
    }
    // Counted on the clock, not in turns: a clock that skips time may fire a turn late.
    const { clock } = this.deps;
    const endsAt = clock.monotonic() + ms;
    for (let left = ms; left > 0; left = endsAt - clock.monotonic()) {
      const woken = await this.wakeup.wait(Math.min(WATCH_EVERY_MS, left));
      if (woken || this.stopped) return;
      if (store.hasForeignWrites()) {
        this.heardOfWrites();
        return;
      }
    }
  }

  /** Another process wrote (it may have made work ready): told to the engine, counted as news. */
  private heardOfWrites(): void {
    this.news += 1;
    this.heardElsewhere();
  }

  /** Starts running a claimed workflow, tracked until it settles. Never throws. */
  private launch(
    claimed: ClaimedWorkflow,
    leaseSentAt: number,
    stopAtOnce = false,
  ): PreparedRun | undefined {
    let run: PreparedRun;
    try {
      run = this.runner.prepare(claimed, leaseSentAt);
      if (stopAtOnce) run.requestStop();
    } catch (error) {
      this.deps.logger.error(
        messages.runCrashed(claimed.id, describeError(error)),
      );
      return undefined;
    }
    const newsAtLaunch = this.news;
    const done = run
      .execute()
      .catch((error: unknown) =>
        this.deps.logger.error(
          messages.runCrashed(claimed.id, describeError(error)),
          error instanceof Error ? error.stack : undefined,
        ),
      )
      .finally(() => {
        const wasFull = this.occupied() >= this.deps.options.concurrency;
        this.active.delete(run);
        // A place freed is news only to a full worker, or where a limit counted this run's slot;
        // and news that came during the run (a signal, a child's end) may be for its workflow,
        // which the claim it set off found leased. Otherwise the last claim found nothing else
        // ready, and what the run itself set off (a retry, a wake-up) nudges the worker then.
        if (
          wasFull ||
          this.news !== newsAtLaunch ||
          this.deps.limits.has(claimed.name)
        )
          this.wakeup.wake();
      });
    this.active.set(run, done);
    return run;
  }
}
