import { ChildWorkflowError } from '../errors/child-workflow.error';
import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { messages } from '../lidex.messages';
import type {
  ClaimedWorkflow,
  StoredSignal,
  StoredStep,
} from '../stores/persistence';
import {
  CHILD_END_PREFIX,
  CHILD_START_PREFIX,
  type ChildEnd,
  type ChildOutcome,
  type ChildStart,
  childSignalName,
  decodeChildRecord,
  derivedChildId,
  encodeChildRecord,
  type ParentClose,
} from './child-records';
import { never } from './deferred';
import type { RunDeadline } from './run-deadline';
import type { StoredValues } from './payloads/stored-values';
import type { RunDependencies } from './run-dependencies';
import { writeLeasedRecord } from './run-record';
import type { RunWriter } from './run-writer';
import { RESERVED_PREFIX } from './signal-records';
import type { ChildOptions } from './types';
import type { WorkflowRoom } from './workflow-room';
import { type WorkflowRef, workflowNameOf } from './workflow-ref';

const OPTION_KEYS = ['parentClose', 'timeoutMs', 'workflowId'];

/**
 * A run's children: `ctx.startChild()` inserts the child (refused when its id exists: a replay
 * after a crash finds its own child there) and records the start; a handle's `result()` takes
 * the child's end from the signal the child sent, or releases the run durably (no lease, no
 * timer) until that signal wakes it. Each end is recorded, fenced by the lease, so it is
 * consumed once and replays answer the same.
 */
export class RunChildren {
  private readonly recorded = new Map<string, StoredStep>();
  private readonly signals: StoredSignal[];
  private readonly seen: number;
  private readonly used = new Set<string>();

  constructor(
    claimed: ClaimedWorkflow,
    private readonly writer: RunWriter,
    private readonly deps: RunDependencies,
    private readonly room: WorkflowRoom,
    private readonly deadline: RunDeadline,
  ) {
    this.signals = claimed.signals;
    this.seen = claimed.signals.at(-1)?.seq ?? 0;
    for (const step of claimed.steps) {
      if (
        step.kind === 'signal' &&
        (step.id.startsWith(CHILD_START_PREFIX) ||
          step.id.startsWith(CHILD_END_PREFIX))
      ) {
        this.recorded.set(step.id, step);
      }
    }
  }

  /** `ctx.startChild()`: the child's id once it is started (by this run or an earlier one). */
  async start(
    id: string,
    workflow: string | WorkflowRef,
    input: unknown,
    options: ChildOptions | undefined,
  ): Promise<string> {
    if (this.writer.halted.settled) return never();
    this.use(id);
    const name = workflowNameOf(workflow, 'ctx.startChild()');
    const { parentClose, timeoutMs, workflowId } = this.checkOptions(
      id,
      options,
    );
    const recorded = this.recorded.get(CHILD_START_PREFIX + id);
    if (recorded) return decodeChildRecord<ChildStart>(recorded).workflowId;
    const childId = workflowId ?? derivedChildId(this.writer.workflowId, id);
    if (!(await this.writer.leaseHolds())) return never();
    const parent = { workflowId: this.writer.workflowId, parentClose };
    const started = await this.writer.write(() =>
      this.deps.startChild(childId, name, input, parent, timeoutMs),
    );
    if (started === undefined) return never();
    if (!started) {
      // Started by an earlier run that stopped before recording it, or someone else's workflow.
      const existing = await this.writer.write(() =>
        this.deps.store.getWorkflow(childId),
      );
      if (this.writer.halted.settled) return never();
      if (existing?.parent?.workflowId !== this.writer.workflowId) {
        throw new InvalidArgumentError(
          messages.childIdTaken(this.writer.workflowId, id, childId),
        );
      }
    }
    const start: ChildStart = { workflowId: childId, name, parentClose };
    await this.record(CHILD_START_PREFIX + id, encodeChildRecord(start));
    return childId;
  }

  /** A handle's `result()`: the child's result, or its end as a `ChildWorkflowError`. */
  async result<R>(id: string): Promise<R> {
    if (this.writer.halted.settled) return never();
    const start = this.recorded.get(CHILD_START_PREFIX + id);
    if (!start) {
      throw new InvalidArgumentError(
        messages.childResultBeforeStart(this.writer.workflowId, id),
      );
    }
    const { workflowId: childId } = decodeChildRecord<ChildStart>(start);
    const recorded = this.recorded.get(CHILD_END_PREFIX + id);
    if (recorded)
      return outcomeOf<R>(
        this.deps.values,
        this.writer.workflowId,
        childId,
        decodeChildRecord(recorded),
      );
    if (this.writer.stopRequested) return this.writer.release(this.deps.now());
    const signalName = childSignalName(childId);
    const signal = this.signals.find((s) => s.name === signalName);
    if (signal) {
      const end: ChildEnd = { seq: signal.seq, payload: signal.payload };
      await this.record(CHILD_END_PREFIX + id, encodeChildRecord(end));
      return outcomeOf<R>(
        this.deps.values,
        this.writer.workflowId,
        childId,
        end,
      );
    }
    if (await this.deadline.enforce()) return never();
    this.deps.events.emit('waiting', () => ({
      workflowId: this.writer.workflowId,
      workflowName: this.writer.workflowName,
      at: this.deps.now(),
      stepId: id,
      signal: childSignalName(childId),
    }));
    // No timeout: woken by the child's end, or at the parent's deadline.
    return this.writer.releaseToWait(this.deadline.capWait(undefined), {
      for: { kind: 'child', childId },
      signalsSeen: this.seen,
    });
  }

  private use(id: string): void {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError(
        messages.invalidId('ctx.startChild() id', id),
      );
    }
    if (id.startsWith(RESERVED_PREFIX)) {
      throw new InvalidArgumentError(
        messages.waitIdReserved('ctx.startChild', this.writer.workflowId, id),
      );
    }
    if (this.used.has(id)) {
      throw new DuplicateStepIdError(this.writer.workflowId, 'startChild', id);
    }
    this.used.add(id);
  }

  private checkOptions(
    id: string,
    options: ChildOptions | undefined,
  ): { parentClose: ParentClose; timeoutMs?: number; workflowId?: string } {
    const invalid = () =>
      new InvalidArgumentError(
        messages.childOptionsInvalid(this.writer.workflowId, id, options),
      );
    if (options === undefined) return { parentClose: 'cancel' };
    if (typeof options !== 'object' || options === null) throw invalid();
    if (Object.keys(options).some((key) => !OPTION_KEYS.includes(key))) {
      throw invalid();
    }
    const { parentClose = 'cancel', timeoutMs, workflowId } = options;
    if (parentClose !== 'cancel' && parentClose !== 'abandon') throw invalid();
    if (
      workflowId !== undefined &&
      (typeof workflowId !== 'string' || workflowId.length === 0)
    ) {
      throw invalid();
    }
    return { parentClose, timeoutMs, workflowId };
  }

  private async record(id: string, result: string): Promise<void> {
    const step: StoredStep = {
      kind: 'signal',
      id,
      result,
      recordedAt: this.deps.now(),
    };
    const what = `child record ${JSON.stringify(id)} in workflow ${JSON.stringify(this.writer.workflowId)}`;
    this.room.reserve(this.writer.workflowId, step, what);
    const written = await writeLeasedRecord(this.writer, this.deps, step);
    if (!written) return never();
    this.recorded.set(id, step);
  }
}

function outcomeOf<R>(
  values: StoredValues,
  parentId: string,
  childId: string,
  end: ChildEnd,
): R {
  const outcome = values.decode<ChildOutcome>(end.payload, {
    workflowId: parentId,
    field: 'signal',
    name: childSignalName(childId),
  });
  if (outcome.status === 'finished') return outcome.result as R;
  throw new ChildWorkflowError(childId, outcome.status, outcome.error);
}
