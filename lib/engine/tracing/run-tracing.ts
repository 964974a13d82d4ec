/**
 * What the engine asks of tracing and metrics, without naming OpenTelemetry: the stages call
 * these, and with tracing off (or no SDK registered) they are the no-ops at the bottom, which
 * build nothing. `otel-tracing.ts` implements them on `@opentelemetry/api`.
 */

/** A step attempt's span. */
export interface StepTrace {
  /** Runs the step's function with this span active (the function's own spans nest under it). */
  within<T>(fn: () => T): T;
  /** Ends the span: ok, or with the attempt's error recorded. */
  end(error?: unknown): void;
}

/** One run's span, from its claim to its end (finished, failed, or handed back). */
export interface RunTrace {
  /** Runs the workflow's code with this span active. */
  within<T>(fn: () => T): T;
  step(stepId: string, attempt: number): StepTrace;
  /** Records the workflow's error on the span (it failed or aborted). */
  failed(error: unknown): void;
  /** Ends the span; `outcome` says how the run ended. */
  end(outcome: string): void;
}

/** The engine's tracing and metrics. */
export interface Tracing {
  /** The W3C traceparent of the span active now, to store with a workflow being started. */
  startContext(): string | undefined;
  /** A run's span, a child of the span that started the workflow when its context was kept. */
  run(workflow: {
    id: string;
    name: string;
    version: number;
    traceContext?: string;
  }): RunTrace;
  started(workflowName: string): void;
  ended(workflowName: string, status: 'finished' | 'aborted'): void;
  stepAttempt(
    workflowName: string,
    durationMs: number,
    outcome: 'ok' | 'error',
  ): void;
  claimed(durationMs: number, count: number): void;
  /** Stops the metrics that read the store (the backlog gauge). */
  close(): void;
}

const noopStep: StepTrace = {
  within: (fn) => fn(),
  end: () => undefined,
};

export const NOOP_RUN_TRACE: RunTrace = {
  within: (fn) => fn(),
  step: () => noopStep,
  failed: () => undefined,
  end: () => undefined,
};

export const NOOP_TRACING: Tracing = {
  startContext: () => undefined,
  run: () => NOOP_RUN_TRACE,
  started: () => undefined,
  ended: () => undefined,
  stepAttempt: () => undefined,
  claimed: () => undefined,
  close: () => undefined,
};
