import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type { ClaimedWorkflow, StoredStep } from '../stores/persistence';
import { decodeValue, encodeValue } from './codec';
import { never } from './deferred';
import type { RunDependencies } from './run-dependencies';
import type { RunWriter } from './run-writer';
import type { ContextTarget } from './workflow-context';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';
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

  private readonly recorded = {
    step: new Map<string, StoredStep>(),
    sleep: new Map<string, StoredStep>(),
  };
  private readonly used = { step: new Set<string>(), sleep: new Set<string>() };
  /** How much of the store's per-workflow room this workflow's data takes. */
  private readonly room: WorkflowRoom;

  constructor(
    claimed: ClaimedWorkflow,
    private readonly writer: RunWriter,
    private readonly deps: RunDependencies,
  ) {
    this.workflowId = claimed.id;
    this.workflowName = claimed.name;
    this.room = new WorkflowRoom(claimed, deps.store, deps.logger);
    for (const step of claimed.steps) {
      this.recorded[step.kind].set(step.id, step);
    }
  }

  async step<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.writer.halted.settled) return never();
    this.use('step', id);
    const recorded = this.recorded.step.get(id);
    if (recorded) return decodeValue<T>(recorded.result!);
    if (this.writer.stopRequested) return this.writer.release(this.deps.now());
    if (!(await this.writer.leaseHolds())) return never();

    const startedAt = this.deps.now();
    const value = await fn();
    if (this.writer.halted.settled) return never();

    const what = `result of step ${JSON.stringify(id)} in workflow ${JSON.stringify(this.workflowId)}`;
    const encoded = encodeValue(value, what, this.deps.store.maxValueBytes);
    const now = this.deps.now();
    const step: StoredStep = {
      kind: 'step',
      id,
      result: encoded,
      startedAt,
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
            readyAt: release ? wakeAt! : at + timeoutIntervalMs,
            release,
            now: at,
          },
        ),
      );
      if (!written) return never();
      if (release) {
        this.deps.expectReady(wakeAt);
        return this.writer.halt('released');
      }
    }

    const remaining = wakeAt - this.deps.now();
    if (remaining > 0) {
      if (remaining > sleepInMemoryMaxMs || this.writer.stopRequested) {
        return this.writer.release(wakeAt);
      }
      await this.writer.pause(remaining);
      if (this.writer.halted.settled) return never();
      if (this.deps.now() < wakeAt) return this.writer.release(wakeAt);
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
