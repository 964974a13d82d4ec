import { randomUUID } from 'node:crypto';
import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { ClaimedWorkflow, StoredStep } from '../stores/persistence';
import { never } from './deferred';
import { Deferred } from './deferred';
import type { Compensation } from './compensation/run-compensations';
import { RunCompensable } from './run-compensable';
import { holdValue, recordValue } from './run-record';
import { requireSleepDuration, sleepUntilWoken } from './run-sleep';
import { attemptsByStep } from './step-attempts';
import { runAttempts, type StepRun } from './step-execution';
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
  /** What the stages of a step, a sleep or a record take (`step-execution.ts`, `run-sleep.ts`). */
  private readonly stepRun: StepRun;
  private readonly compensable: RunCompensable;
  /**
   * Whether a step's record may wait to be written with the finish (`HeldStep`): where the store
   * takes it, and not in a child, whose end reaches its parent before it is written, so its steps
   * must be recorded before that (a step run again would give the child another result than the
   * one its parent was told).
   */
  private readonly holdsSteps: boolean;
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
    this.holdsSteps = writer.holdsSteps && claimed.parent === undefined;
    this.stepRun = {
      workflowId: this.workflowId,
      writer,
      deps,
      room: this.room,
      deadline,
    };
    for (const step of claimed.steps) {
      if (
        step.kind === 'step' ||
        step.kind === 'sleep' ||
        step.kind === 'value'
      ) {
        this.recorded[step.kind].set(step.id, step);
      }
    }
    this.compensable = new RunCompensable(this.stepRun, claimed.steps);
    this.attempts = attemptsByStep(claimed.steps);
  }

  /** The compensations of the steps recorded so far, in the order their results came. */
  get compensations(): Compensation[] {
    return this.compensable.compensations;
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
    return this.afterHeld(() =>
      this.children.start(id, workflow, input, options),
    );
  }

  childResult<R>(id: string): Promise<R> {
    return this.afterHeld(() => this.children.result<R>(id));
  }

  waitForSignal<T>(
    id: string,
    name: string,
    options?: WaitForSignalOptions,
  ): Promise<T | null> {
    if (this.replayOnly && !this.signals.replays('wait', id))
      return this.endReplay();
    return this.afterHeld(() => this.signals.wait<T>(id, name, options));
  }

  signal(
    id: string,
    workflowId: string,
    name: string,
    payload?: unknown,
  ): Promise<boolean> {
    if (this.replayOnly && !this.signals.replays('send', id))
      return this.endReplay();
    return this.afterHeld(() =>
      this.signals.send(id, workflowId, name, payload),
    );
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
      const value = this.deps.values.decode<T>(recorded.result!, {
        workflowId: this.workflowId,
        field: 'step',
        name: id,
      });
      if (compensate) this.compensable.add(id, value, compensate, policy);
      return value;
    }
    if (this.replayOnly) return this.endReplay();
    if (!(await this.writer.held.settle())) return never();
    if (compensate && !(await this.compensable.mark(id))) return never();
    const { value, startedAt, attempt } = await runAttempts(
      this.stepRun,
      id,
      fn,
      policy,
      this.attempts.get(id) ?? [],
    );
    const what = () =>
      `result of step ${JSON.stringify(id)} in workflow ${JSON.stringify(this.workflowId)}`;
    if (!compensate && this.holdsSteps) {
      // Written with the run's next write, or with its finish when the workflow returns now.
      const held: T = holdValue<T>(
        this.stepRun,
        id,
        value,
        what,
        startedAt,
        () => this.stepRecorded(id, attempt, startedAt, held),
      );
      return held;
    }
    const result = await recordValue<T>(
      this.stepRun,
      'step',
      id,
      value,
      what,
      startedAt,
    );
    this.stepRecorded(id, attempt, startedAt, result);
    if (compensate) this.compensable.add(id, result, compensate, policy);
    return result;
  }

  private stepRecorded(
    id: string,
    attempt: number,
    startedAt: number,
    result: unknown,
  ): void {
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
  }

  /** Makes `call` once the step record held back, if any, is written (`HeldStep`). */
  private async afterHeld<T>(call: () => Promise<T>): Promise<T> {
    if (!(await this.writer.held.settle())) return never();
    return call();
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
    if (recorded)
      return this.deps.values.decode(recorded.result!, {
        workflowId: this.workflowId,
        field: 'value',
        name: id,
      });
    if (this.replayOnly) return this.endReplay();
    if (!(await this.writer.held.settle())) return never();
    if (this.writer.stopRequested) return this.writer.release(this.deps.now());
    const draws = {
      now: () => new Date(this.deps.now()),
      random: () => Math.random(),
      uuid: () => randomUUID(),
    };
    const call = this.drawn[helper];
    const what = () =>
      `value of ctx.${helper}() (call ${call}) in workflow ${JSON.stringify(this.workflowId)}`;
    return recordValue(this.stepRun, 'value', id, draws[helper](), what);
  }

  async sleep(id: string, ms: number): Promise<void> {
    if (this.writer.halted.settled) return never();
    requireSleepDuration(this.workflowId, id, ms);
    this.use('sleep', id);
    const wakeAt = this.recorded.sleep.get(id)?.wakeAt;
    if (this.replayOnly) {
      // A recorded sleep is over as far as compensating goes.
      if (wakeAt === undefined) return this.endReplay();
      return;
    }
    if (!(await this.writer.held.settle())) return never();
    return sleepUntilWoken(this.stepRun, id, ms, wakeAt);
  }

  async start(
    id: string,
    workflow: string | WorkflowRef,
    input?: unknown,
  ): Promise<boolean> {
    if (this.writer.halted.settled) return never();
    const name = workflowNameOf(workflow, 'ctx.start()');
    if (!(await this.writer.held.settle())) return never();
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
