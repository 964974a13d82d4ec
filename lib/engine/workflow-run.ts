import { randomUUID } from 'node:crypto';
import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { ClaimedWorkflow, StoredStep } from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';
import { never } from './deferred';
import type { LazyText } from './lazy-text';
import { Deferred } from './deferred';
import { InvalidArgumentError as CompensationUnsupported } from '../errors/invalid-argument.error';
import type { Compensation } from './compensation/run-compensations';
import { attemptsByStep } from './step-attempts';
import { runAttempts } from './step-execution';
import {
  resolveStepOptions,
  type StepAttempt,
  type StepOptions,
} from './step-policy';
import { RunChildren } from './run-children';
import { RunSignals } from './run-signals';
import type { RunDeadline } from './run-deadline';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';
import type { ChildOptions, WaitForSignalOptions } from './types';
import type { ContextTarget } from './workflow-context';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';
import { contextVersion } from './workflow-versions';
import { WorkflowRoom } from './workflow-room';

/** The longest sleep: 10 years. Longer ones are a mistake (seconds taken for ms, say). */
export const MAX_SLEEP_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/**
 * One run of one workflow: what the workflow's `ctx` (a facade, `workflow-context.ts`) forwards
 * to, and nothing else. It turns `step`, `sleep` and `start` into records, replaying those the
 * store already holds, and hands every write to the run's `RunWriter`; it never sees the runner.
 * Internal: workflow code never holds it.
 *
 * When the run must stop before the workflow returns (its lease was lost, a long sleep released
 * it, the app is shutting down), the writer's `halted` settles and the workflow's next call never
 * returns, so no code after that point runs in this process. Another claim resumes it.
 */
export class WorkflowRun implements ContextTarget {
  readonly workflowId: string;
  readonly workflowName: string;
  readonly version: number;

  private readonly recorded = {
    step: new Map<string, StoredStep>(),
    sleep: new Map<string, StoredStep>(),
    value: new Map<string, StoredStep>(),
  };
  /** Each step's failed attempts, recorded by earlier runs. */
  private readonly attempts: ReturnType<typeof attemptsByStep>;
  /** How many times each replay-safe helper was called in this run. */
  private readonly drawn = { now: 0, random: 0, uuid: 0 };
  private readonly used = { step: new Set<string>(), sleep: new Set<string>() };
  /** How much of the store's per-workflow room this workflow's data takes. */
  private readonly room: WorkflowRoom;
  /** Made at the run's first signal or child call: most runs make none. */
  private signalsMade?: RunSignals;
  private childrenMade?: RunChildren;
  /** The compensations of the steps recorded so far, in the order their results came. */
  readonly compensations: Compensation[] = [];
  /** Steps whose `compensable` record is written. */
  private readonly compensable = new Set<string>();
  /**
   * Replaying only (a compensating workflow): recorded calls answer as recorded, and the first
   * call that would do anything new settles `replayEnded` and never returns.
   */
  readonly replayEnded = new Deferred();

  constructor(
    private readonly claimed: ClaimedWorkflow,
    private readonly writer: RunWriter,
    private readonly deps: RunDependencies,
    private readonly deadline: RunDeadline,
    private readonly replayOnly = false,
  ) {
    this.workflowId = claimed.id;
    this.workflowName = claimed.name;
    this.version = contextVersion(
      claimed.version,
      deps.versions.get(claimed.name),
    );
    this.room = new WorkflowRoom(claimed, deps.store, deps.logger);
    for (const step of claimed.steps) {
      if (
        step.kind === 'step' ||
        step.kind === 'sleep' ||
        step.kind === 'value'
      ) {
        this.recorded[step.kind].set(step.id, step);
      } else if (step.kind === 'compensable') {
        this.compensable.add(step.id);
      }
    }
    this.attempts = attemptsByStep(claimed.steps);
  }

  private get signals(): RunSignals {
    return (this.signalsMade ??= new RunSignals(
      this.claimed,
      this.writer,
      this.deps,
      this.room,
      this.deadline,
    ));
  }

  private get children(): RunChildren {
    return (this.childrenMade ??= new RunChildren(
      this.claimed,
      this.writer,
      this.deps,
      this.room,
      this.deadline,
    ));
  }

  startChild(
    id: string,
    workflow: string | WorkflowRef,
    input: unknown,
    options?: ChildOptions,
  ): Promise<string> {
    return this.children.start(id, workflow, input, options);
  }

  childResult<R>(id: string): Promise<R> {
    return this.children.result<R>(id);
  }

  waitForSignal<T>(
    id: string,
    name: string,
    options?: WaitForSignalOptions,
  ): Promise<T | null> {
    if (this.replayOnly && !this.signals.replays('wait', id))
      return this.endReplay();
    return this.signals.wait<T>(id, name, options);
  }

  signal(
    id: string,
    workflowId: string,
    name: string,
    payload?: unknown,
  ): Promise<boolean> {
    if (this.replayOnly && !this.signals.replays('send', id))
      return this.endReplay();
    return this.signals.send(id, workflowId, name, payload);
  }

  async step<T>(
    id: string,
    fn: (attempt: StepAttempt) => T | Promise<T>,
    options?: unknown,
  ): Promise<T> {
    if (this.writer.halted.settled) return never();
    this.use('step', id);
    const modulePolicy = this.deps.options.stepRetry;
    const policy =
      options === undefined
        ? { retry: modulePolicy }
        : resolveStepOptions(
            `ctx.step(${JSON.stringify(id)}) in workflow ${JSON.stringify(this.workflowId)}`,
            options,
            modulePolicy,
          );
    const { compensate } = (options ?? {}) as StepOptions;
    const recorded = this.recorded.step.get(id);
    if (recorded) {
      const value = this.deps.values.decode<T>(recorded.result!);
      if (compensate) this.addCompensation(id, value, compensate, policy);
      return value;
    }
    if (this.replayOnly) return this.endReplay();
    if (compensate && !(await this.markCompensable(id))) return never();
    const { value, startedAt, attempt } = await runAttempts(
      {
        workflowId: this.workflowId,
        writer: this.writer,
        deps: this.deps,
        room: this.room,
        deadline: this.deadline,
      },
      id,
      fn,
      policy,
      this.attempts.get(id) ?? [],
    );
    const what = () =>
      `result of step ${JSON.stringify(id)} in workflow ${JSON.stringify(this.workflowId)}`;
    const result = await this.record<T>('step', id, value, what, startedAt);
    this.deps.events.emit('step-recorded', () => {
      const at = this.deps.now();
      return {
        workflowId: this.workflowId,
        workflowName: this.workflowName,
        at,
        stepId: id,
        attempt,
        startedAt,
        durationMs: at - startedAt,
        ...(this.deps.events.payloads ? { payload: result } : {}),
      };
    });
    if (compensate) this.addCompensation(id, result, compensate, policy);
    return result;
  }

  private addCompensation<T>(
    stepId: string,
    result: T,
    compensate: NonNullable<StepOptions['compensate']>,
    policy: Compensation['policy'],
  ): void {
    this.compensations.push({
      stepId,
      run: (attempt) => compensate(result, attempt),
      policy,
    });
  }

  /**
   * Records that a step with a compensation is about to run (once per step), so that a cancel
   * knows the workflow has compensations; `false` when the lease was lost.
   */
  private async markCompensable(stepId: string): Promise<boolean> {
    if (!this.deps.store.recordCompensationStatus) {
      throw new CompensationUnsupported(
        messages.compensationUnsupported(
          this.deps.store.describe(),
          this.workflowId,
          stepId,
        ),
      );
    }
    if (this.compensable.has(stepId)) return true;
    const written = await this.writer.leaseSettingWrite((at) =>
      this.deps.store.recordStep(
        this.workflowId,
        this.writer.leaseToken,
        { kind: 'compensable', id: stepId, recordedAt: at },
        {
          readyAt: at + this.deps.options.timeoutIntervalMs,
          release: false,
          now: at,
        },
      ),
    );
    if (written) this.compensable.add(stepId);
    return written === true;
  }

  /** A replay-only run reached a call with nothing recorded: the replay is over. */
  private endReplay<T>(): Promise<T> {
    this.replayEnded.resolve();
    return never();
  }

  /**
   * `ctx.now()`, `ctx.random()`, `ctx.uuid()`: the value drawn on the workflow's first run,
   * recorded (id `<helper>#<n>`, the helper's nth call), and the same value on every replay.
   */
  async value(helper: 'now' | 'random' | 'uuid'): Promise<unknown> {
    if (this.writer.halted.settled) return never();
    const id = `${helper}#${++this.drawn[helper]}`;
    const recorded = this.recorded.value.get(id);
    if (recorded) return this.deps.values.decode(recorded.result!);
    if (this.replayOnly) return this.endReplay();
    if (this.writer.stopRequested) return this.writer.release(this.deps.now());
    const draws = {
      now: () => new Date(this.deps.now()),
      random: () => Math.random(),
      uuid: () => randomUUID(),
    };
    const call = this.drawn[helper];
    const what = () =>
      `value of ctx.${helper}() (call ${call}) in workflow ${JSON.stringify(this.workflowId)}`;
    return this.record('value', id, draws[helper](), what);
  }

  /** Records a step's result or a helper's value with one write, and answers it decoded. */
  private async record<T>(
    kind: 'step' | 'value',
    id: string,
    value: unknown,
    what: LazyText,
    startedAt?: number,
  ): Promise<T> {
    const maxBytes = this.deps.store.maxValueBytes;
    const encoded = encodeValue(value, what, maxBytes);
    const now = this.deps.now();
    const step: StoredStep = {
      kind,
      id,
      result: this.deps.values.seal(encoded, what, maxBytes),
      ...(startedAt === undefined ? {} : { startedAt }),
      recordedAt: now,
    };
    this.room.reserve(this.workflowId, step, what);
    const written = await this.writer.leaseSettingWrite((at) =>
      this.deps.store.recordStep(
        this.workflowId,
        this.writer.leaseToken,
        step,
        {
          readyAt: at + this.deps.options.timeoutIntervalMs,
          release: false,
          now: at,
        },
      ),
    );
    if (!written) return never();
    return decodeValue<T>(encoded);
  }

  async sleep(id: string, ms: number): Promise<void> {
    if (this.writer.halted.settled) return never();
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
    if (this.replayOnly) {
      // A recorded sleep is over as far as compensating goes.
      if (wakeAt === undefined) return this.endReplay();
      return;
    }

    if (wakeAt === undefined) {
      const now = this.deps.now();
      wakeAt = now + ms;
      const release = ms > sleepInMemoryMaxMs || this.writer.stopRequested;
      const sleep: StoredStep = { kind: 'sleep', id, wakeAt, recordedAt: now };
      const written = await this.writer.leaseSettingWrite((at) =>
        this.deps.store.recordStep(
          this.workflowId,
          this.writer.leaseToken,
          sleep,
          {
            readyAt: release
              ? this.deadline.cap(wakeAt!)
              : at + timeoutIntervalMs,
            release,
            now: at,
          },
        ),
      );
      if (!written) return never();
      this.deps.events.emit('slept', () => ({
        workflowId: this.workflowId,
        workflowName: this.workflowName,
        at: now,
        stepId: id,
        wakeAt: wakeAt!,
      }));
      if (release) {
        this.deps.expectReady(this.deadline.cap(wakeAt));
        return this.writer.halt('released');
      }
    }

    // Slept in memory until the wall clock reaches wakeAt: a timer may fire a little before it
    // does (the system clock's timers count on the monotonic clock), and the rest is slept too.
    for (
      let remaining = wakeAt - this.deps.now();
      remaining > 0;
      remaining = wakeAt - this.deps.now()
    ) {
      if (remaining > sleepInMemoryMaxMs || this.writer.stopRequested) {
        return this.writer.release(this.deadline.cap(wakeAt));
      }
      // Woken at the deadline when it comes first, to end the workflow then.
      await this.writer.pause(
        Math.max(0, Math.min(remaining, this.deadline.msLeft())),
      );
      if (this.writer.halted.settled) return never();
      if (await this.deadline.enforce()) return never();
    }
    // A process frozen through its sleep wakes here: it goes on only if its lease still holds.
    if (!(await this.writer.leaseHolds())) return never();
  }

  async start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
  ): Promise<boolean> {
    if (this.writer.halted.settled) return never();
    const name = workflowNameOf(workflow, 'ctx.start()');
    // Idempotent by id, so retrying through a store blip is safe.
    const started = await this.writer.write(() =>
      this.deps.startWorkflow(id, name, input),
    );
    if (started === undefined) return never();
    return started;
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
}
