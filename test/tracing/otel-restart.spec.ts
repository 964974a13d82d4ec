import { join } from 'node:path';
import { Body, Controller, Injectable, Module, Post } from '@nestjs/common';
import {
  context,
  metrics,
  propagation,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  LidexClient,
  LidexModule,
  Workflow,
  type WorkflowContext,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { makeEngine } from '../support/engine-harness';
import { OnDemandMetricReader } from '../support/metric-reader';
import { bootNestApp } from '../support/nest-app';
import { tempDir } from '../support/temp-dir';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const reader = new OnDemandMetricReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager().enable();

beforeAll(() => {
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  metrics.setGlobalMeterProvider(meterProvider);
});
afterAll(async () => {
  trace.disable();
  metrics.disable();
  context.disable();
  await provider.shutdown();
  await meterProvider.shutdown();
});

let charges = 0;

@Injectable()
class PaymentWorkflows {
  @Workflow('traced-pay')
  async pay(ctx: WorkflowContext, input: { amount: number }) {
    await ctx.step('reserve', () => input.amount);
    // Long enough to be released: the first app is closed while it sleeps.
    await ctx.sleep('settle', 300);
    await ctx.step(
      'charge',
      () => {
        if (++charges === 1) throw new Error('card network busy');
        return 'charged';
      },
      { retry: { attempts: 2, initialIntervalMs: 1 } },
    );
    return 'paid';
  }
}

@Controller('payments')
class PaymentsController {
  constructor(private readonly client: LidexClient) {}

  @Post()
  async start(@Body() body: { id: string }) {
    return {
      started: await this.client.start(body.id, 'traced-pay', { amount: 5 }),
    };
  }
}

@Module({ providers: [PaymentWorkflows], controllers: [PaymentsController] })
class PaymentsModule {}

const dir = tempDir('lidex-otel-');
afterAll(() => dir.remove());

const boot = (path: string) =>
  bootNestApp(
    [
      LidexModule.forRoot({
        persistence: new SqliteStore({ path }),
        pollIntervalMs: 20,
        sleepInMemoryMaxMs: 0,
      }),
      PaymentsModule,
    ],
    {
      listen: true,
      // The HTTP server span an instrumentation would make: the request runs inside it.
      configure: (app) =>
        app.use(
          (
            req: { method: string; url: string },
            res: { on(event: string, fn: () => void): void },
            next: () => void,
          ) => {
            const span = trace
              .getTracer('http-test')
              .startSpan(`${req.method} ${req.url}`);
            res.on('finish', () => span.end());
            context.with(trace.setSpan(context.active(), span), next);
          },
        ),
    },
  );

const named = (spans: ReadableSpan[], name: string) =>
  spans.filter((span) => span.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('OpenTelemetry', () => {
  it('traces the HTTP request that started a workflow, each run and each step attempt, across a restart between steps', async () => {
    const path = join(dir.path, 'traced.sqlite');
    const first = await boot(path);
    const slept = new Promise<void>((resolve) => {
      const sub = first.client.events({ type: 'slept' }).subscribe(() => {
        sub.unsubscribe();
        resolve();
      });
    });
    const response = await fetch(`${await first.app.getUrl()}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'pay-1' }),
    });
    expect(await response.json()).toEqual({ started: true });
    await slept;
    await first.app.close();

    // Another instance over the same file resumes it after the sleep.
    const second = await boot(path);
    expect(await second.client.wait('pay-1', { timeoutMs: 15_000 })).toBe(
      'finished',
    );
    await second.app.close();

    const spans = exporter.getFinishedSpans();
    const [http] = named(spans, 'POST /payments');
    expect(http).toBeDefined();
    const runs = named(spans, 'lidex.workflow traced-pay');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) {
      expect(run.spanContext().traceId).toBe(http.spanContext().traceId);
      expect(parentOf(run)).toBe(http.spanContext().spanId);
      expect(run.attributes).toMatchObject({
        'lidex.workflow.id': 'pay-1',
        'lidex.workflow.name': 'traced-pay',
      });
    }
    const [reserve] = named(spans, 'lidex.step reserve');
    expect(parentOf(reserve)).toBe(runs[0].spanContext().spanId);
    const charges = named(spans, 'lidex.step charge');
    expect(
      charges.map((span) => span.attributes['lidex.step.attempt']),
    ).toEqual([1, 2]);
    // The retry's backoff released the workflow: each attempt ran in a run of the second app.
    const runIds = runs.map((run) => run.spanContext().spanId);
    const chargeRuns = charges.map(parentOf);
    expect(new Set(chargeRuns).size).toBe(2);
    for (const parent of chargeRuns) {
      expect(runIds.slice(1)).toContain(parent);
    }
    expect(runs.at(-1)!.attributes['lidex.run.outcome']).toBe('returned');
    expect(charges[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(charges[0].events.map((event) => event.name)).toContain('exception');
    expect(charges[1].status.code).not.toBe(SpanStatusCode.ERROR);

    const { resourceMetrics } = await reader.collect();
    const points = new Map(
      resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .map((metric) => [metric.descriptor.name, metric.dataPoints]),
    );
    const total = (name: string) =>
      (points.get(name) ?? []).reduce(
        (sum, point) =>
          sum +
          (typeof point.value === 'number'
            ? point.value
            : (point.value as { count: number }).count),
        0,
      );
    expect(total('lidex.workflows.started')).toBe(1);
    expect(total('lidex.workflows.finished')).toBe(1);
    expect(total('lidex.workflows.aborted')).toBe(0);
    expect(total('lidex.step.duration')).toBe(3);
    expect(total('lidex.claim.duration')).toBeGreaterThanOrEqual(1);
  });

  it('makes no span with observability.tracing false, and keeps no trace context', async () => {
    exporter.reset();
    const { engine, store } = makeEngine(
      { quiet: (ctx: WorkflowContext) => ctx.step('one', () => 1) },
      { observability: { tracing: false } },
    );
    const http = trace.getTracer('http-test').startSpan('GET /quiet');
    await context.with(trace.setSpan(context.active(), http), () =>
      engine.start('quiet-1', 'quiet', null),
    );
    http.end();
    expect(await engine.wait('quiet-1', { timeoutMs: 5000 })).toBe('finished');
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'GET /quiet',
    ]);
    expect((await store.getWorkflow('quiet-1'))?.traceContext).toBeUndefined();
  });

  it("links a run to the span that started it whichever propagator the app registered: the traceparent is Lidex's own", async () => {
    // An app's propagator that writes its own header, not W3C's traceparent (as B3 does).
    const ownHeader: TextMapPropagator = {
      inject: (ctx, carrier, setter) => {
        const span = trace.getSpanContext(ctx);
        if (span) setter.set(carrier, 'x-app-trace', span.traceId);
      },
      extract: (ctx) => ctx,
      fields: () => ['x-app-trace'],
    };
    propagation.setGlobalPropagator(ownHeader);
    try {
      exporter.reset();
      const { engine, store } = makeEngine({
        linked: (ctx: WorkflowContext) => ctx.step('one', () => 1),
      });
      const http = trace.getTracer('http-test').startSpan('POST /linked');
      await context.with(trace.setSpan(context.active(), http), () =>
        engine.start('linked-1', 'linked', null),
      );
      http.end();
      expect(await engine.wait('linked-1', { timeoutMs: 5000 })).toBe(
        'finished',
      );
      const { traceId, spanId } = http.spanContext();
      expect((await store.getWorkflow('linked-1'))?.traceContext).toBe(
        `00-${traceId}-${spanId}-01`,
      );
      const spans = exporter.getFinishedSpans();
      const [run] = named(spans, 'lidex.workflow linked');
      expect(run.spanContext().traceId).toBe(traceId);
      expect(parentOf(run)).toBe(spanId);
      expect(parentOf(named(spans, 'lidex.step one')[0])).toBe(
        run.spanContext().spanId,
      );
    } finally {
      propagation.disable();
    }
  });
});
