/**
 * W3C `traceparent` (version 00): `00-<trace id, 32 hex>-<parent span id, 16 hex>-<flags, 2 hex>`.
 * What `start()` stores of the active span and a run's span parents on: made and read here, not by
 * the registered propagator, so that runs link to the start with any propagator or none (a tracer
 * provider set without the SDK's `register()`).
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** A span context as the OpenTelemetry API types it (`SpanContext`), without importing the API. */
export interface TraceparentSpan {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

export function formatTraceparent(span: TraceparentSpan): string {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

/** The span a stored traceparent names, as a remote parent; undefined for one not valid. */
export function parseTraceparent(value: string): TraceparentSpan | undefined {
  const match = TRACEPARENT.exec(value);
  if (!match || match[1] === INVALID_TRACE_ID || match[2] === INVALID_SPAN_ID)
    return undefined;
  // Made whole here: a copy spread with isRemote added cost more than the parse.
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
}
