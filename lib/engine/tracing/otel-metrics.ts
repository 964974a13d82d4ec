import type * as OtelApi from '@opentelemetry/api';
import type { Tracing } from './run-tracing';

export type LidexMetrics = Pick<
  Tracing,
  'started' | 'ended' | 'stepAttempt' | 'claimed' | 'close'
>;

interface NameAttributes {
  name: OtelApi.Attributes;
  ok: OtelApi.Attributes;
  error: OtelApi.Attributes;
}

/**
 * The engine's metrics: workflows started, finished and aborted (counters, by workflow name),
 * the backlog by status (an observable gauge read from the store when the SDK collects), step
 * attempt durations and claim round trips (histograms, ms).
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
  // The attributes of each workflow name, made once (the SDK only reads them): a record then
  // allocates nothing of Lidex's.
  const byName = new Map<string, NameAttributes>();
  const of = (name: string): NameAttributes => {
    let attributes = byName.get(name);
    if (!attributes) {
      attributes = {
        name: { 'lidex.workflow.name': name },
        ok: { 'lidex.workflow.name': name, 'lidex.step.outcome': 'ok' },
        error: { 'lidex.workflow.name': name, 'lidex.step.outcome': 'error' },
      };
      byName.set(name, attributes);
    }
    return attributes;
  };
  return {
    started: (name) => started.add(1, of(name).name),
    ended: (name, status) =>
      (status === 'finished' ? finished : aborted).add(1, of(name).name),
    stepAttempt: (name, durationMs, outcome) =>
      stepDuration.record(durationMs, of(name)[outcome]),
    claimed: (durationMs, count) =>
      claimDuration.record(durationMs, { 'lidex.claim.count': count }),
    close: () => gauge.removeCallback(observe),
  };
}
