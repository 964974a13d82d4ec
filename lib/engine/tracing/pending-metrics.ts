import type * as OtelApi from '@opentelemetry/api';

/**
 * Step durations held before they reach the SDK: past this many, they are recorded at once,
 * whether or not a reader has collected (so memory stays bounded without a reader).
 */
export const PENDING_DURATIONS_MAX = 256;

/** One workflow name's measurements not yet handed to the SDK, and its attributes (made once). */
interface NamePending {
  readonly name: OtelApi.Attributes;
  readonly ok: OtelApi.Attributes;
  readonly error: OtelApi.Attributes;
  started: number;
  finished: number;
  aborted: number;
  readonly okMs: number[];
  readonly errorMs: number[];
}

/**
 * The engine's counts and step durations, kept here and handed to the SDK's instruments together:
 * when the SDK collects (the caller flushes from an observable callback, which the SDK runs
 * before it reads its instruments), when many durations wait, and at close. A counter then gets
 * one `add` per workflow name and collection instead of one per workflow, and durations are
 * recorded in one loop; the SDK hashes the attributes of every call, which was most of what a
 * measurement cost. What a reader collects is the same: every count and duration measured
 * before the collection.
 */
export class PendingMetrics {
  private readonly byName = new Map<string, NamePending>();
  private durations = 0;

  constructor(
    private readonly instruments: {
      started: OtelApi.Counter;
      finished: OtelApi.Counter;
      aborted: OtelApi.Counter;
      stepDuration: OtelApi.Histogram;
    },
  ) {}

  started(name: string): void {
    this.of(name).started++;
  }

  ended(name: string, status: 'finished' | 'aborted'): void {
    this.of(name)[status]++;
  }

  stepAttempt(name: string, durationMs: number, outcome: 'ok' | 'error'): void {
    const pending = this.of(name);
    (outcome === 'ok' ? pending.okMs : pending.errorMs).push(durationMs);
    if (++this.durations >= PENDING_DURATIONS_MAX) this.flush();
  }

  /** Hands everything held to the instruments. */
  flush(): void {
    const { started, finished, aborted, stepDuration } = this.instruments;
    this.durations = 0;
    for (const pending of this.byName.values()) {
      if (pending.started > 0) started.add(pending.started, pending.name);
      if (pending.finished > 0) finished.add(pending.finished, pending.name);
      if (pending.aborted > 0) aborted.add(pending.aborted, pending.name);
      pending.started = pending.finished = pending.aborted = 0;
      for (const ms of pending.okMs) stepDuration.record(ms, pending.ok);
      for (const ms of pending.errorMs) stepDuration.record(ms, pending.error);
      pending.okMs.length = 0;
      pending.errorMs.length = 0;
    }
  }

  private of(name: string): NamePending {
    let pending = this.byName.get(name);
    if (!pending) {
      pending = {
        name: { 'lidex.workflow.name': name },
        ok: { 'lidex.workflow.name': name, 'lidex.step.outcome': 'ok' },
        error: { 'lidex.workflow.name': name, 'lidex.step.outcome': 'error' },
        started: 0,
        finished: 0,
        aborted: 0,
        okMs: [],
        errorMs: [],
      };
      this.byName.set(name, pending);
    }
    return pending;
  }
}
