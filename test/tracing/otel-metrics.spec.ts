import { metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider } from '@opentelemetry/sdk-metrics';
import { NonRetryableError, type WorkflowContext } from '@lidex/nestjs';
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

/** Each data point of the metric `name`: its attributes and its value (a histogram's count). */
async function collected(name: string) {
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
  return points.map((point) => ({
    attributes: point.attributes,
    value:
      typeof point.value === 'number'
        ? point.value
        : (point.value as { count: number }).count,
  }));
}

describe('OpenTelemetry metrics', () => {
  it('counts every workflow and step attempt measured before a collection, while the engine runs', async () => {
    let flakyCharges = 0;
    const { engine } = makeEngine({
      pay: async (
        ctx: WorkflowContext,
        input: { flaky?: boolean; decline?: boolean },
      ) => {
        await ctx.step('reserve', () => 1);
        await ctx.step(
          'charge',
          () => {
            if (input.flaky && ++flakyCharges === 1)
              throw new Error('card network busy');
            return 2;
          },
          { retry: { attempts: 2, initialIntervalMs: 1 } },
        );
        if (input.decline) throw new NonRetryableError('card declined');
        return 'paid';
      },
    });
    await engine.start('p-1', 'pay', {});
    await engine.start('p-2', 'pay', {});
    await engine.start('p-flaky', 'pay', { flaky: true });
    await engine.start('p-declined', 'pay', { decline: true });
    for (const id of ['p-1', 'p-2', 'p-flaky'])
      expect(await engine.wait(id, { timeoutMs: 10_000 })).toBe('finished');
    expect(await engine.wait('p-declined', { timeoutMs: 10_000 })).toBe(
      'aborted',
    );

    const name = { 'lidex.workflow.name': 'pay' };
    expect(await collected('lidex.workflows.started')).toEqual([
      { attributes: name, value: 4 },
    ]);
    expect(await collected('lidex.workflows.finished')).toEqual([
      { attributes: name, value: 3 },
    ]);
    expect(await collected('lidex.workflows.aborted')).toEqual([
      { attributes: name, value: 1 },
    ]);
    expect(await collected('lidex.step.duration')).toEqual(
      expect.arrayContaining([
        { attributes: { ...name, 'lidex.step.outcome': 'ok' }, value: 8 },
        { attributes: { ...name, 'lidex.step.outcome': 'error' }, value: 1 },
      ]),
    );

    // A later collection adds what was measured since (cumulative, as the reader asks).
    await engine.start('p-4', 'pay', {});
    expect(await engine.wait('p-4', { timeoutMs: 10_000 })).toBe('finished');
    expect(await collected('lidex.workflows.started')).toEqual([
      { attributes: name, value: 5 },
    ]);
    expect(await collected('lidex.step.duration')).toEqual(
      expect.arrayContaining([
        { attributes: { ...name, 'lidex.step.outcome': 'ok' }, value: 10 },
      ]),
    );
  });

  // Last: its workflow is aborted, which the cases above count for their own name only.
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
    const aborted = (await collected('lidex.workflows.aborted')).filter(
      (point) => point.attributes['lidex.workflow.name'] === 'order',
    );
    expect(aborted).toEqual([
      { attributes: { 'lidex.workflow.name': 'order' }, value: 1 },
    ]);
  });
});
