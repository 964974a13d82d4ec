import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { cpuUsPerWorkflow } from '../cpu';
import { round } from '../stats';
import { OnDemandMetricReader } from '../../test/support/metric-reader';
import { DroppingExporter } from './otel-sinks';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The OpenTelemetry calls the engine makes for one 3-step workflow (a run span, child of the span
 * that started it, and three step
 * spans with their attributes, the contexts that make each active, three step durations recorded
 * together), made directly in as many concurrent async functions as the overhead rounds run
 * workflows, less the same functions without them: CPU µs per workflow that no engine change can
 * take away while the spans and metrics stay the same. Interleaved rounds, medians.
 */
export async function observabilityFloorUs(
  workflows: number,
  rounds: number,
): Promise<number> {
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new DroppingExporter())],
  });
  const meterProvider = new MeterProvider({
    readers: [new OnDemandMetricReader()],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracer = provider.getTracer('@lidex/nestjs');
  const duration = meterProvider
    .getMeter('@lidex/nestjs')
    .createHistogram('lidex.step.duration', { unit: 'ms' });
  const ok = {
    'lidex.workflow.name': 'threeSteps',
    'lidex.step.outcome': 'ok',
  };
  // A run's span parents on the span that started the workflow (a remote one, from its traceparent).
  const startedBy = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
  });
  const step = async () => 1;
  const traced = async (n: number) => {
    const id = `floor-${n}`;
    const run = tracer.startSpan(
      'lidex.workflow threeSteps',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'lidex.workflow.id': id,
          'lidex.workflow.name': 'threeSteps',
          'lidex.workflow.version': 1,
        },
      },
      startedBy,
    );
    const active = trace.setSpan(startedBy, run);
    await context.with(active, async () => {
      for (const stepId of ['a', 'b', 'c']) {
        const span = tracer.startSpan(
          `lidex.step ${stepId}`,
          {
            attributes: {
              'lidex.workflow.id': id,
              'lidex.workflow.name': 'threeSteps',
              'lidex.step.id': stepId,
              'lidex.step.attempt': 1,
            },
          },
          active,
        );
        await context.with(trace.setSpan(active, span), step);
        span.end();
      }
    });
    for (let i = 0; i < 3; i++) duration.record(0, ok);
    run.setAttribute('lidex.run.outcome', 'returned');
    run.end();
  };
  const plain = async () => {
    for (let i = 0; i < 3; i++) await step();
  };
  const cpuOf = async (fn: (n: number) => Promise<void>) => {
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: workflows }, (_, n) => fn(n)));
    await provider.forceFlush();
    return cpuUsPerWorkflow(cpu, workflows);
  };
  const differences: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const without = await cpuOf(plain);
      differences.push((await cpuOf(traced)) - without);
    }
  } finally {
    context.disable();
    await provider.shutdown();
    await meterProvider.shutdown();
  }
  return round(median(differences), 1);
}
