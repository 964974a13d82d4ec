import type * as OtelApi from '@opentelemetry/api';
import { InvalidOptionsError } from '../../errors/invalid-options.error';
import { messages } from '../../lidex.messages';
import { describeError } from '../workflow-error';
import { otelTracing } from './otel-tracing';
import { NOOP_TRACING, type Tracing } from './run-tracing';

/**
 * The engine's tracing for `observability.tracing`: OpenTelemetry when `@opentelemetry/api` is
 * installed (`'auto'`) or required (`true`), else the no-ops. Loaded here, not when Lidex is
 * imported: the API is an optional peer.
 */
export function loadTracing(
  mode: boolean | 'auto',
  backlog: () => Promise<Record<string, number>>,
): Tracing {
  if (mode === false) return NOOP_TRACING;
  let api: typeof OtelApi;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    api = require('@opentelemetry/api') as typeof OtelApi;
  } catch (error) {
    if (mode === 'auto') return NOOP_TRACING;
    throw new InvalidOptionsError(
      'observability.tracing',
      mode,
      messages.tracingUnavailable(describeError(error)),
    );
  }
  return otelTracing(api, backlog);
}
