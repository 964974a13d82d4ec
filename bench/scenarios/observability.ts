import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { loadavg } from 'node:os';
import { context, metrics, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { LIDEX_CHANNELS, type LidexEvent } from '@lidex/nestjs';
import { countingStore } from '../counting-store';
import { THROUGHPUT_CONCURRENCY, workerEngine } from '../engines';
import { FinishWatch } from '../finish-watch';
import { cpuUsPerWorkflow } from '../cpu';
import { elapsedMs, round } from '../stats';
import type { BenchStore } from '../stores';
import { OnDemandMetricReader } from '../../test/support/metric-reader';
import { DroppingExporter } from './otel-sinks';

export interface ObservabilityFigures {
  store: string;
  workflows: number;
  rounds: number;
  /** Median workflows per second of each mode, over the interleaved rounds. */
  plainPerSecond: number;
  observedPerSecond: number;
  /** observed / plain: 1 is no cost, 0.9 is 10% slower. */
  ratio: number;
  /** Median CPU time of this process per workflow (µs) in each mode: barely moved by others' load. */
  plainCpuUs: number;
  observedCpuUs: number;
  /** plain / observed CPU per workflow: the throughput ratio a machine of its own would see. */
  cpuRatio: number;
  spansExported: number;
  eventsSeen: number;
  loadAverage1m: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Throughput (3-step workflows in one process) with tracing, metrics and the event stream on, beside
 * the same without, in interleaved rounds so that the machine's load falls on both alike. "On": an
 * OpenTelemetry SDK registered (batching span processor, a metric reader), the workflows started
 * within a caller's span (as from a traced request: each stores its traceparent), a listener on
 * the engine's events and one on a diagnostics channel. "Off": `observability: { tracing: false }`
 * and no listener.
 */
export async function observabilityOverhead(
  store: BenchStore,
  workflows: number,
  rounds: number,
  progress: (line: string) => void,
): Promise<ObservabilityFigures> {
  const exporter = new DroppingExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const reader = new OnDemandMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  // An app with the SDK registered runs its requests in contexts, which turns on the
  // AsyncLocalStorage behind the context manager for the life of the process (every promise then
  // costs more, traced by Lidex or not). Turned on here, before the first round, so that "off"
  // rounds do not differ from "on" ones by whether an earlier round had turned it on.
  context.with(context.active(), () => undefined);
  trace.setGlobalTracerProvider(provider);
  metrics.setGlobalMeterProvider(meterProvider);
  // An app starts workflows from its traced requests: start() then stores the request span's
  // traceparent and each run's span parents on it. One caller span a round, made in both modes.
  const callerTracer = provider.getTracer('bench-app');
  let eventsSeen = 0;
  const onChannel = () => undefined;
  const plain: number[] = [];
  const observed: number[] = [];
  const plainCpu: number[] = [];
  const observedCpu: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      // LIDEX_BENCH_OBSERVABILITY_ONLY=on|off runs one mode only: to profile it (node --cpu-prof).
      const only = process.env.LIDEX_BENCH_OBSERVABILITY_ONLY;
      for (const on of order.filter(
        (mode) => !only || mode === (only === 'on'),
      )) {
        // Short and of lower-case letters, digits and _: a PostgreSQL schema, a MySQL table prefix (12).
        const place = store.place(`obs_${on ? 'on' : 'off'}_${i}`);
        const watch = new FinishWatch();
        const opened = countingStore(await place.open(), watch.onCall).store;
        const engine = workerEngine(opened, {
          concurrency: THROUGHPUT_CONCURRENCY,
          observability: { tracing: on ? 'auto' : false },
        });
        const stop = on
          ? engine.events.subscribe((_event: LidexEvent) => void eventsSeen++)
          : undefined;
        if (on) subscribe(LIDEX_CHANNELS['step-recorded'], onChannel);
        engine.startWorker();
        try {
          const cpu = process.cpuUsage();
          const started = process.hrtime.bigint();
          const caller = callerTracer.startSpan('POST /orders');
          await context.with(trace.setSpan(ROOT_CONTEXT, caller), () =>
            Promise.all(
              Array.from({ length: workflows }, (_, n) =>
                engine.start(`o${i}-${n}`, 'threeSteps', null),
              ),
            ),
          );
          caller.end();
          await watch.allFinished(workflows);
          // The round's spans are exported and its metrics collected within it: their cost is the
          // round's, not the next's (nor left out, for what waits until the SDK collects).
          if (on) {
            await provider.forceFlush();
            await reader.collect();
          }
          const perSecond = (workflows * 1000) / elapsedMs(started);
          const cpuUs = cpuUsPerWorkflow(cpu, workflows);
          (on ? observed : plain).push(perSecond);
          (on ? observedCpu : plainCpu).push(cpuUs);
          progress(
            `${store.label}: observability round ${i + 1}/${rounds} ${on ? 'on' : 'off'}: ${Math.round(perSecond)}/s, ${cpuUs} CPU µs/wf`,
          );
        } finally {
          stop?.();
          if (on) unsubscribe(LIDEX_CHANNELS['step-recorded'], onChannel);
          await engine.stopWorker();
          await opened.close();
        }
      }
    }
    await provider.forceFlush();
  } finally {
    trace.disable();
    metrics.disable();
    context.disable();
    await provider.shutdown();
    await meterProvider.shutdown();
  }
  const plainPerSecond = median(plain);
  const observedPerSecond = median(observed);
  return {
    store: store.label,
    workflows,
    rounds,
    plainPerSecond: Math.round(plainPerSecond),
    observedPerSecond: Math.round(observedPerSecond),
    ratio: round(observedPerSecond / plainPerSecond, 3),
    plainCpuUs: median(plainCpu),
    observedCpuUs: median(observedCpu),
    cpuRatio: round(median(plainCpu) / median(observedCpu), 3),
    spansExported: exporter.spans,
    eventsSeen,
    loadAverage1m: round(loadavg()[0]),
  };
}
