/**
 * W3C `traceparent` (version 00): `00-<trace id, 32 hex>-<parent span id, 16 hex>-<flags, 2 hex>`.
 * Used when no propagator is registered with the OpenTelemetry API (a tracer provider set without
 * the SDK's `register()`), so that a stored context still links runs to the start.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

export function formatTraceparent(span: ParsedTraceparent): string {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

export function parseTraceparent(value: string): ParsedTraceparent | undefined {
  const match = TRACEPARENT.exec(value);
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2]))
    return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
  };
}
