import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { LidexError } from '../errors/lidex.error';
import { StoreUnavailableError } from '../errors/store-unavailable.error';
import { messages } from '../lidex.messages';
import type {
  ClaimedWorkflow,
  Persistence,
  StoredStep,
} from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';
import type { Clock } from './clock';
import { Deferred, never, Wakeup } from './deferred';
import { leaseLossReason } from './lease-loss';
import { WorkflowRoom } from './workflow-room';
import type { ResolvedEngineOptions } from './options';
import { RunLease } from './run-lease';
import type { LidexLogger } from './types';
import type { ContextTarget } from './workflow-context';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';

/** The longest sleep: 10 years. Longer ones are a mistake (seconds taken for ms, say). */
export const MAX_SLEEP_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** Why a run stopped before its workflow returned. */
export type HaltReason =
  'lease-lost' | 'released' | 'stopped' | 'store-unreachable' | 'cancelled';

export interface RunDependencies {
  store: Persistence;
  options: ResolvedEngineOptions;
  logger: LidexLogger;
  now: () => number;
  /** A monotonic clock (ms), for how long a lease lasts as this process knows it. */
  monotonic: () => number;
  /** The clock every timer of the engine is set on. */
  clock: Clock;
  /** The engine wrote that the workflow is ready again at `readyAt`: the worker looks then. */
  expectReady: (readyAt: number) => void;
  /** Compares this worker's clock with the store's (at most once a minute); never throws. */
  checkClock: () => Promise<void>;
  /** Whether the app passed its own clock (`now`): takeovers then follow it as it is. */
  appClock: boolean;
  startWorkflow: (id: string, name: string, input: unknown) => Promise<boolean>;
}

/**
 * One run of one workflow, holding one lease: what the workflow's `ctx` (a facade, see
 * `workflow-context.ts`) forwards to. Internal: workflow code never holds it.
 *
 * When the run must stop before the workflow returns (its lease was lost, a long sleep released
 * it, the app is shutting down), `halted` settles and the workflow's next call to the context
 * never returns, so no code after that point runs in this process. Another claim resumes it.
 */
export class WorkflowRun implements ContextTarget {
  readonly workflowId: string;
  readonly workflowName: string;
  readonly leaseToken: string;
  readonly halted = new Deferred<HaltReason>();
  /** The lease as this process knows it; the runner keeps it renewed. */
  readonly lease: RunLease;

  private readonly recorded = {
    step: new Map<string, StoredStep>(),
    sleep: new Map<string, StoredStep>(),
  };
  private readonly used = { step: new Set<string>(), sleep: new Set<string>() };
  private readonly wakeup: Wakeup;
  private stopRequested = false;
  private writeQueue: Promise<unknown> = Promise.resolve();
  /** How much of the store's per-workflow room this workflow's data takes. */
  private readonly room: WorkflowRoom;

  /** `leaseSentAt`: when the claim (or insert) that took the lease was sent, on `deps.monotonic`. */
  constructor(
    claimed: ClaimedWorkflow,
    private readonly deps: RunDependencies,
    leaseSentAt: number,
  ) {
    this.workflowId = claimed.id;
    this.workflowName = claimed.name;
    this.leaseToken = claimed.leaseToken;
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
    this.wakeup = new Wakeup(deps.clock);
    this.room = new WorkflowRoom(claimed, deps.store, deps.logger);
    for (const step of claimed.steps) {
      this.recorded[step.kind].set(step.id, step);
    }
  }

  async step<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.halted.settled) return never();
    this.use('step', id);
    const recorded = this.recorded.step.get(id);
    if (recorded) return decodeValue<T>(recorded.result!);
    if (this.stopRequested) return this.release(this.deps.now());
    if (!(await this.leaseHolds())) return never();

    const startedAt = this.deps.now();
    const value = await fn();
    if (this.halted.settled) return never();

    const what = `result of step ${JSON.stringify(id)} in workflow ${JSON.stringify(this.workflowId)}`;
    const encoded = this.encode(value, what);
    const now = this.deps.now();
    const step: StoredStep = {
      kind: 'step',
      id,
      result: encoded,
      startedAt,
      recordedAt: now,
    };
    this.room.reserve(this.workflowId, step, what);
    const written = await this.write(() =>
      this.leaseSettingWrite((at) =>
        this.deps.store.recordStep(this.workflowId, this.leaseToken, step, {
          readyAt: at + this.deps.options.timeoutIntervalMs,
          release: false,
          now: at,
        }),
      ),
    );
    if (!written) return this.loseLease();
    return decodeValue<T>(encoded);
  }

  async sleep(id: string, ms: number): Promise<void> {
    if (this.halted.settled) return never();
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError(
        messages.invalidSleepDuration(this.workflowId, String(id), ms),
      );
    }
    if (ms > MAX_SLEEP_MS) {
      throw new InvalidArgumentError(
        messages.sleepTooLong(this.workflowId, String(id), ms, MAX_SLEEP_MS),
      );
    }
    this.use('sleep', id);
    const { sleepInMemoryMaxMs, timeoutIntervalMs } = this.deps.options;
    let wakeAt = this.recorded.sleep.get(id)?.wakeAt;

    if (wakeAt === undefined) {
      const now = this.deps.now();
      wakeAt = now + ms;
      const release = ms > sleepInMemoryMaxMs || this.stopRequested;
      const sleep: StoredStep = { kind: 'sleep', id, wakeAt, recordedAt: now };
      const written = await this.write(() =>
        this.leaseSettingWrite((at) =>
          this.deps.store.recordStep(this.workflowId, this.leaseToken, sleep, {
            readyAt: release ? wakeAt! : at + timeoutIntervalMs,
            release,
            now: at,
          }),
        ),
      );
      if (!written) return this.loseLease();
      if (release) {
        this.deps.expectReady(wakeAt);
        return this.halt('released');
      }
    }

    const remaining = wakeAt - this.deps.now();
    if (remaining > 0) {
      if (remaining > sleepInMemoryMaxMs || this.stopRequested) {
        return this.release(wakeAt);
      }
      await this.wakeup.wait(remaining);
      if (this.halted.settled) return never();
      if (this.deps.now() < wakeAt) return this.release(wakeAt);
    }
    // A process frozen through its sleep wakes here: it goes on only if its lease still holds.
    if (!(await this.leaseHolds())) return never();
  }

  async start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
  ): Promise<boolean> {
    if (this.halted.settled) return never();
    const name = workflowNameOf(workflow, 'ctx.start()');
    // Idempotent by id, so retrying through a store blip is safe.
    const started = await this.write(() =>
      this.deps.startWorkflow(id, name, input),
    );
    if (started === undefined) return never();
    return started;
  }

  /** Shutdown: stop at the next durable point and hand the workflow back. */
  requestStop(): void {
    this.stopRequested = true;
    this.wakeup.wake();
  }

  /** Stops the run at once; whatever it writes afterwards is not attempted. */
  halt(reason: HaltReason): Promise<never> {
    if (!this.halted.settled) this.halted.resolve(reason);
    this.wakeup.wake();
    return never();
  }

  /**
   * Writes to the store, retrying through short outages for as long as a lease lasts.
   * Lidex's own errors (a value the store refuses) are not retried: they are thrown.
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
   * Runs the run's store writes one at a time, in order. A lease renewal never races a step
   * write, which matters on servers that apply concurrent updates to one document as
   * read-modify-write (FerretDB 1.x).
   */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.writeQueue.then(operation);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * Whether the run may start work with effects. When the lease has expired as this process
   * knows it (it was frozen, or starved), one renewal is tried; the run stops unless it holds.
   */
  private async leaseHolds(): Promise<boolean> {
    if (this.halted.settled) return false;
    if (await this.lease.holds()) return !this.halted.settled;
    void this.halt('store-unreachable');
    return false;
  }

  /** One renewal through the write queue, unless a write queued before it set the lease. */
  private renewLease(): Promise<boolean | 'not-due'> {
    return this.exclusive(async () => {
      if (this.halted.settled || !this.lease.renewalDue()) return 'not-due';
      return this.leaseSettingWrite((at) =>
        this.deps.store.renewLease(this.workflowId, {
          token: this.leaseToken,
          until: at + this.deps.options.timeoutIntervalMs,
        }),
      );
    });
  }

  /**
   * A write that sets the lease's expiry from `at`, read as it is sent (not when it was queued);
   * when the store accepts it, the lease lasts a full lease from then.
   */
  private async leaseSettingWrite(
    write: (at: number) => Promise<boolean>,
  ): Promise<boolean> {
    const sentAt = this.lease.now();
    const held = await write(this.deps.now());
    if (held) this.lease.extend(sentAt);
    return held;
  }

  /** Encodes a value, checking the store's size limit. */
  encode(value: unknown, what: string): string {
    return encodeValue(value, what, this.deps.store.maxValueBytes);
  }

  private use(kind: 'step' | 'sleep', id: string): void {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError(
        messages.invalidId(`ctx.${kind}() id`, id),
      );
    }
    if (this.used[kind].has(id)) {
      throw new DuplicateStepIdError(this.workflowId, kind, id);
    }
    this.used[kind].add(id);
  }

  private async release(readyAt: number): Promise<never> {
    const now = this.deps.now();
    const released = await this.write(() =>
      this.deps.store.releaseLease(this.workflowId, this.leaseToken, {
        readyAt,
        now,
      }),
    );
    if (released !== undefined) this.deps.expectReady(readyAt);
    return this.halt(this.stopRequested ? 'stopped' : 'released');
  }

  /**
   * The workflow is no longer this run's (a store write was refused). Stops the run, and says
   * once what the store shows happened.
   */
  loseLease(): Promise<never> {
    if (!this.halted.settled) {
      void this.explainLostLease();
    }
    return this.halt('lease-lost');
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
