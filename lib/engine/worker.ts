import { randomUUID } from 'node:crypto';
import { messages } from '../lidex.messages';
import type { ClaimedWorkflow, Lease } from '../stores/persistence';
import { Wakeup } from './deferred';
import { describeError } from './errors';
import type { RunDependencies, WorkflowRun } from './workflow-run';
import type { WorkflowRunner } from './workflow-runner';

/**
 * The poll loop: claims ready workflows while it has room for them, runs them, and on stop
 * drains what is running. Every promise it starts is tracked and awaited by `stop()`.
 */
export class Worker {
  private readonly active = new Map<WorkflowRun, Promise<void>>();
  private readonly wakeup = new Wakeup();
  private reserved = 0;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly deps: RunDependencies,
    private readonly runner: WorkflowRunner,
  ) {}

  get running(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.pollLoop();
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

  cancelReservation(): void {
    this.reserved -= 1;
    this.wakeup.wake();
  }

  /** Runs a workflow this process claimed while starting it, in the place it reserved. */
  runReserved(claimed: ClaimedWorkflow): void {
    this.reserved -= 1;
    const run = this.launch(claimed);
    if (this.stopping) run.requestStop();
  }

  /** Looks for work now rather than at the next poll. */
  nudge(): void {
    this.wakeup.wake();
  }

  /**
   * Stops claiming, asks running workflows to stop at their next durable point, and waits up to
   * the grace period for them. Runs still inside a step after that are abandoned: their leases
   * expire and another instance resumes them.
   */
  async stop(): Promise<void> {
    if (!this.loop || this.stopping) return this.loop;
    this.stopping = true;
    this.wakeup.wake();
    await this.loop;
    const { shutdownGraceMs } = this.deps.options;
    if (this.active.size > 0) {
      this.deps.logger.log(
        messages.workerDraining(this.active.size, shutdownGraceMs),
      );
      for (const run of this.active.keys()) run.requestStop();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, shutdownGraceMs);
      });
      await Promise.race([Promise.allSettled(this.active.values()), graceOver]);
      clearTimeout(timer);
    }
    if (this.active.size > 0) {
      const stuck = [...this.active.keys()];
      this.deps.logger.warn(
        messages.drainTimedOut(stuck.map((run) => run.workflowId)),
      );
      for (const run of stuck) void run.halt('stopped');
    }
    while (this.active.size > 0) {
      for (const run of this.active.keys()) void run.halt('stopped');
      await Promise.allSettled(this.active.values());
    }
    this.deps.logger.log(messages.workerStopped());
  }

  private occupied(): number {
    return this.active.size + this.reserved;
  }

  private async pollLoop(): Promise<void> {
    const { pollIntervalMs, concurrency } = this.deps.options;
    let backoffMs = 0;
    while (!this.stopping) {
      if (this.occupied() >= concurrency) {
        await this.wakeup.wait(pollIntervalMs);
        continue;
      }
      let claimed: ClaimedWorkflow | undefined;
      try {
        claimed = await this.deps.store.claimNextReady(
          this.deps.now(),
          this.newLease(),
        );
        backoffMs = 0;
      } catch (error) {
        backoffMs = Math.min(
          Math.max(backoffMs * 2, 100),
          Math.max(pollIntervalMs, 5_000),
        );
        this.deps.logger.warn(
          messages.claimFailed(describeError(error), backoffMs),
        );
        await this.wakeup.wait(backoffMs);
        continue;
      }
      if (claimed) this.launch(claimed);
      else await this.wakeup.wait(pollIntervalMs);
    }
  }

  private launch(claimed: ClaimedWorkflow): WorkflowRun {
    const run = this.runner.prepare(claimed);
    const done = this.runner
      .execute(run, claimed.input)
      .catch((error: unknown) =>
        this.deps.logger.error(
          messages.runCrashed(claimed.id, describeError(error)),
          error instanceof Error ? error.stack : undefined,
        ),
      )
      .finally(() => {
        this.active.delete(run);
        this.wakeup.wake();
      });
    this.active.set(run, done);
    return run;
  }
}
