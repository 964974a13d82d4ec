import type * as OtelApi from '@opentelemetry/api';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import {
  NOOP_RUN_TRACE,
  type RunTrace,
  type StepTrace,
  type Tracing,
} from './run-tracing';
import { type LidexMetrics, otelMetrics } from './otel-metrics';
import { formatTraceparent, parseTraceparent } from './traceparent';

const SCOPE = '@lidex/nestjs';

/**
 * Tracing and metrics on `@opentelemetry/api`. Until an SDK registers a provider the API answers
 * with non-recording spans: a run then gets the no-op trace, and its steps build no span.
 */
export function otelTracing(
  api: typeof OtelApi,
  backlog: () => Promise<Record<string, number>>,
): Tracing {
  const tracer = api.trace.getTracer(SCOPE);
  const meters: LidexMetrics = otelMetrics(api, SCOPE, backlog);
  return {
    startContext: () => startContext(api),
    run: (workflow) => runTrace(api, tracer, workflow),
    ...meters,
  };
}

/**
 * The active span's context as a W3C traceparent, formatted here rather than by the registered
 * propagator: only the traceparent is kept, whichever propagators an app registers (a composite
 * with baggage, B3), and the propagator's carrier and checks cost more than the string.
 */
function startContext(api: typeof OtelApi): string | undefined {
  const span = api.trace.getSpanContext(api.context.active());
  if (!span || !api.trace.isSpanContextValid(span)) return undefined;
  return formatTraceparent(span);
}

/** The context a run's span starts in: the stored traceparent's span as a remote parent. */
function parentContext(
  api: typeof OtelApi,
  stored: string | undefined,
): Context {
  const parent = stored === undefined ? undefined : parseTraceparent(stored);
  return parent
    ? api.trace.setSpanContext(api.ROOT_CONTEXT, parent)
    : api.ROOT_CONTEXT;
}

function runTrace(
  api: typeof OtelApi,
  tracer: Tracer,
  workflow: {
    id: string;
    name: string;
    version: number;
    traceContext?: string;
  },
): RunTrace {
  const parent = parentContext(api, workflow.traceContext);
  const span = tracer.startSpan(
    `lidex.workflow ${workflow.name}`,
    {
      kind: api.SpanKind.CONSUMER,
      attributes: {
        'lidex.workflow.id': workflow.id,
        'lidex.workflow.name': workflow.name,
        'lidex.workflow.version': workflow.version,
      },
    },
    parent,
  );
  if (!span.isRecording()) {
    span.end();
    return NOOP_RUN_TRACE;
  }
  return new OtelRunTrace(api, tracer, workflow, span, parent);
}

/**
 * A run's span. Its methods live on the class, not in closures made per run, and a step's span
 * is one object too: a run of many steps allocates no more than the spans and their contexts.
 */
class OtelRunTrace implements RunTrace {
  private readonly active: Context;

  constructor(
    private readonly api: typeof OtelApi,
    private readonly tracer: Tracer,
    private readonly workflow: { id: string; name: string },
    private readonly span: Span,
    parent: Context,
  ) {
    this.active = api.trace.setSpan(parent, span);
  }

  within<T>(fn: () => T): T {
    return this.api.context.with(this.active, fn);
  }

  step(stepId: string, attempt: number): StepTrace {
    const span = this.tracer.startSpan(
      `lidex.step ${stepId}`,
      {
        attributes: {
          'lidex.workflow.id': this.workflow.id,
          'lidex.workflow.name': this.workflow.name,
          'lidex.step.id': stepId,
          'lidex.step.attempt': attempt,
        },
      },
      this.active,
    );
    return new OtelStepTrace(this.api, span, this.active);
  }

  failed(error: unknown): void {
    recordError(this.api, this.span, error);
  }

  end(outcome: string): void {
    this.span.setAttribute('lidex.run.outcome', outcome);
    this.span.end();
  }
}

/** A step attempt's span; the context with it active is made when the step's code runs. */
class OtelStepTrace implements StepTrace {
  constructor(
    private readonly api: typeof OtelApi,
    private readonly span: Span,
    private readonly parent: Context,
  ) {}

  within<T>(fn: () => T): T {
    return this.api.context.with(
      this.api.trace.setSpan(this.parent, this.span),
      fn,
    );
  }

  end(error?: unknown): void {
    if (error !== undefined) recordError(this.api, this.span, error);
    this.span.end();
  }
}

function recordError(api: typeof OtelApi, span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({
    code: api.SpanStatusCode.ERROR,
    message: exception.message,
  });
}
