import type * as OtelApi from '@opentelemetry/api';
import { PendingMetrics } from './pending-metrics';
import type { Tracing } from './run-tracing';

export type LidexMetrics = Pick<
  Tracing,
  'started' | 'ended' | 'stepAttempt' | 'claimed' | 'close'
>;

/**
 * The engine's metrics: workflows started, finished and aborted (counters, by workflow name),
 * the backlog by status (an observable gauge read from the store when the SDK collects), step
 * attempt durations and claim round trips (histograms, ms). Counts and step durations are held
 * in `PendingMetrics` until the SDK collects.
 */
export function otelMetrics(
  api: typeof OtelApi,
  scope: string,
  backlog: () => Promise<Record<string, number>>,
): LidexMetrics {
  const meter = api.metrics.getMeter(scope);
  const started = meter.createCounter('lidex.workflows.started', {
    description: 'Workflows started',
  });
  const finished = meter.createCounter('lidex.workflows.finished', {
    description: 'Workflows finished',
  });
  const aborted = meter.createCounter('lidex.workflows.aborted', {
    description: 'Workflows aborted (failed for good)',
  });
  const stepDuration = meter.createHistogram('lidex.step.duration', {
    description: 'Duration of step attempts',
    unit: 'ms',
  });
  const claimDuration = meter.createHistogram('lidex.claim.duration', {
    description: 'Round trip of a claim of ready workflows',
    unit: 'ms',
  });
  const gauge = meter.createObservableGauge('lidex.workflows.backlog', {
    description: 'Workflows by status (idle and failed ones wait to run)',
  });
  const observe: OtelApi.ObservableCallback = async (result) => {
    const counts = await backlog().catch(() => undefined);
    if (!counts) return;
    for (const [status, count] of Object.entries(counts))
      result.observe(count, { 'lidex.workflow.status': status });
  };
  gauge.addCallback(observe);
  const pending = new PendingMetrics({
    started,
    finished,
    aborted,
    stepDuration,
  });
  // The SDK runs its observable callbacks before it reads the other instruments: what is held
  // reaches them in time for this collection.
  const flush: OtelApi.ObservableCallback = () => pending.flush();
  gauge.addCallback(flush);
  return {
    started: (name) => pending.started(name),
    ended: (name, status) => pending.ended(name, status),
    stepAttempt: (name, durationMs, outcome) =>
      pending.stepAttempt(name, durationMs, outcome),
    claimed: (durationMs, count) =>
      claimDuration.record(durationMs, { 'lidex.claim.count': count }),
    close: () => {
      gauge.removeCallback(observe);
      gauge.removeCallback(flush);
      pending.flush();
    },
  };
}
