import { metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { WorkflowContext } from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';
import { OnDemandMetricReader } from '../support/metric-reader';

const reader = new OnDemandMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });

beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider);
});
afterAll(async () => {
  metrics.disable();
  await meterProvider.shutdown();
});

it('counts a workflow aborted after compensating in lidex.workflows.aborted', async () => {
  const { engine } = makeEngine(
    {
      order: async (ctx: WorkflowContext) => {
        await ctx.step('charge', () => ({ id: 'ch-1' }), {
          compensate: () => undefined,
        });
        throw new Error('no courier');
      },
    },
    { maxFailures: 1 },
  );
  await engine.start('o-1', 'order', null);
  expect(await engine.wait('o-1', { timeoutMs: 10_000 })).toBe('aborted');
  const { resourceMetrics } = await reader.collect();
  const aborted = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === 'lidex.workflows.aborted')
    .flatMap((metric) => metric.dataPoints as DataPoint<number>[])
    .map((point) => ({ attributes: point.attributes, value: point.value }));
  expect(aborted).toEqual([
    { attributes: { 'lidex.workflow.name': 'order' }, value: 1 },
  ]);
});
