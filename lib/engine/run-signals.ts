import { DuplicateStepIdError } from '../errors/duplicate-step-id.error';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { messages } from '../lidex.messages';
import type {
  ClaimedWorkflow,
  StoredSignal,
  StoredStep,
} from '../stores/persistence';
import { never } from './deferred';
import type { RunDeadline } from './run-deadline';
import type { StoredValues } from './payloads/stored-values';
import type { RunDependencies } from './run-dependencies';
import { writeLeasedRecord } from './run-record';
import type { RunWriter } from './run-writer';
import {
  decodeRecord,
  encodeRecord,
  requireSignalName,
  RESERVED_PREFIX,
  SENT_PREFIX,
  type SentOutcome,
  sentSignalId,
  UNTIL_PREFIX,
  type WaitOutcome,
} from './signal-records';
import type { WaitForSignalOptions } from './types';
import type { WorkflowRoom } from './workflow-room';

/** The longest wait with a timeout: 10 years, as for sleeps. */
const MAX_TIMEOUT_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/**
 * A run's signals: `ctx.waitForSignal()` consumes the oldest signal of its name that no wait
 * consumed (each recorded, fenced by the lease, so each is consumed once), or releases the
 * workflow durably until a signal or its timeout wakes it; `ctx.signal()` sends one, recorded.
 */
export class RunSignals {
  private readonly recorded = new Map<string, StoredStep>();
  /** `seq` of the signals consumed: by recorded waits, and by waits of this run. */
  private readonly consumed = new Set<number>();
  private readonly signals: StoredSignal[];
  /** The highest `seq` this run's claim saw: the release waits only if none came after. */
  private readonly seen: number;
  private readonly used = {
    waitForSignal: new Set<string>(),
    signal: new Set<string>(),
  };

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
      if (step.kind !== 'signal') continue;
      this.recorded.set(step.id, step);
      if (step.id.startsWith(RESERVED_PREFIX)) continue;
      const outcome = decodeRecord<WaitOutcome>(step);
      if ('seq' in outcome) this.consumed.add(outcome.seq);
    }
  }

  async wait<T>(
    id: string,
    name: string,
    options: WaitForSignalOptions | undefined,
  ): Promise<T | null> {
    if (this.writer.halted.settled) return never();
    const timeoutMs = this.checkWait(id, name, options);
    const recorded = this.recorded.get(id);
    if (recorded)
      return payloadOf<T>(
        this.deps.values,
        this.writer.workflowId,
        decodeRecord<WaitOutcome>(recorded),
      );
    if (this.writer.stopRequested) return this.writer.release(this.deps.now());

    const signal = this.signals.find(
      (s) => s.name === name && !this.consumed.has(s.seq),
    );
    if (signal) {
      // Taken at once, so that a second wait of this run started meanwhile takes the next.
      this.consumed.add(signal.seq);
      const { seq, payload } = signal;
      await this.record(id, { name, seq, payload });
      return this.deps.values.decode<T>(payload, {
        workflowId: this.writer.workflowId,
        field: 'signal',
        name,
      });
    }
    let until = this.recorded.get(UNTIL_PREFIX + id)?.wakeAt;
    if (timeoutMs !== undefined && until === undefined) {
      until = this.deps.now() + timeoutMs;
      if (timeoutMs > 0) await this.record(UNTIL_PREFIX + id, undefined, until);
    }
    if (await this.deadline.enforce()) return never();
    if (until !== undefined && this.deps.now() >= until) {
      await this.record(id, { timedOut: true });
      return null;
    }
    this.deps.events.emit('waiting', () => ({
      workflowId: this.writer.workflowId,
      workflowName: this.writer.workflowName,
      at: this.deps.now(),
      stepId: id,
      signal: name,
      ...(until === undefined ? {} : { timeoutAt: until }),
    }));
    // Woken at the deadline when it comes first, to end the workflow then.
    return this.writer.releaseToWait(this.deadline.capWait(until), {
      for: { kind: 'signal', name, ...(until === undefined ? {} : { until }) },
      signalsSeen: this.seen,
    });
  }

  /** Whether this wait (or send) is recorded, so that a replay answers it without writing. */
  replays(call: 'wait' | 'send', id: string): boolean {
    return this.recorded.has(call === 'send' ? SENT_PREFIX + id : id);
  }

  async send(
    id: string,
    workflowId: string,
    name: string,
    payload: unknown,
  ): Promise<boolean> {
    if (this.writer.halted.settled) return never();
    this.use('signal', id, 'ctx.signal() id');
    requireSignalName('ctx.signal()', name);
    const recorded = this.recorded.get(SENT_PREFIX + id);
    if (recorded) return deliveredOf(decodeRecord<SentOutcome>(recorded));
    if (typeof workflowId !== 'string' || workflowId.length === 0) {
      throw new InvalidArgumentError(
        messages.invalidId('ctx.signal() workflow id', workflowId),
      );
    }
    const what = `payload of signal ${JSON.stringify(name)} sent by ctx.signal(${JSON.stringify(id)}) in workflow ${JSON.stringify(this.writer.workflowId)}`;
    const encoded = this.deps.values.encode(
      payload,
      { workflowId, field: 'signal', name },
      what,
      this.deps.store.maxValueBytes,
    );
    if (!(await this.writer.leaseHolds())) return never();
    const signalId = sentSignalId(this.writer.workflowId, id);
    const delivery = await this.writer.write(() =>
      this.deps.sendSignal({ workflowId, name, payload: encoded, signalId }),
    );
    if (delivery === undefined) return never();
    const outcome: SentOutcome = { to: workflowId, name, delivery };
    await this.record(SENT_PREFIX + id, outcome);
    return deliveredOf(outcome);
  }

  /** Checks a wait's arguments; its timeout, if it has one. */
  private checkWait(
    id: string,
    name: string,
    options: WaitForSignalOptions | undefined,
  ): number | undefined {
    this.use('waitForSignal', id, 'ctx.waitForSignal() id');
    requireSignalName('ctx.waitForSignal()', name);
    if (options !== undefined && (typeof options !== 'object' || !options)) {
      throw new InvalidArgumentError(
        messages.signalOptionsInvalid(
          'ctx.waitForSignal()',
          options,
          'an object such as { timeoutMs }',
        ),
      );
    }
    const timeoutMs = options?.timeoutMs;
    if (
      timeoutMs !== undefined &&
      (typeof timeoutMs !== 'number' ||
        !Number.isFinite(timeoutMs) ||
        timeoutMs < 0 ||
        timeoutMs > MAX_TIMEOUT_MS)
    ) {
      throw new InvalidArgumentError(
        messages.signalTimeoutInvalid(
          this.writer.workflowId,
          id,
          timeoutMs,
          MAX_TIMEOUT_MS,
        ),
      );
    }
    return timeoutMs;
  }

  private use(
    kind: 'waitForSignal' | 'signal',
    id: string,
    what: string,
  ): void {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidArgumentError(messages.invalidId(what, id));
    }
    if (id.startsWith(RESERVED_PREFIX)) {
      throw new InvalidArgumentError(
        messages.waitIdReserved(`ctx.${kind}`, this.writer.workflowId, id),
      );
    }
    if (this.used[kind].has(id)) {
      throw new DuplicateStepIdError(this.writer.workflowId, kind, id);
    }
    this.used[kind].add(id);
  }

  /** Records a signal step, keeping the lease; the run stops if the lease was lost. */
  private async record(
    id: string,
    outcome: WaitOutcome | SentOutcome | undefined,
    wakeAt?: number,
  ): Promise<void> {
    const now = this.deps.now();
    const step: StoredStep = {
      kind: 'signal',
      id,
      ...(outcome === undefined ? {} : { result: encodeRecord(outcome) }),
      ...(wakeAt === undefined ? {} : { wakeAt }),
      recordedAt: now,
    };
    const what = `signal record ${JSON.stringify(id)} in workflow ${JSON.stringify(this.writer.workflowId)}`;
    this.room.reserve(this.writer.workflowId, step, what);
    const written = await writeLeasedRecord(this.writer, this.deps, step);
    if (!written) return never();
    this.recorded.set(id, step);
  }
}

function payloadOf<T>(
  values: StoredValues,
  workflowId: string,
  outcome: WaitOutcome,
): T | null {
  return 'timedOut' in outcome
    ? null
    : values.decode<T>(outcome.payload, {
        workflowId,
        field: 'signal',
        name: outcome.name,
      });
}

function deliveredOf(outcome: SentOutcome): boolean {
  if (outcome.delivery === 'not-found') {
    throw new WorkflowNotFoundError(outcome.to);
  }
  return outcome.delivery !== 'ended';
}
