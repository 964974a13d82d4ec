import { InvalidOptionsError } from '../errors/invalid-options.error';

/** What the engine tells about its workflows (events, traces, metrics). */
export interface ObservabilityOptions {
  /**
   * Whether lifecycle events carry inputs, step results, results and signal payloads (decoded).
   * Off, events carry ids, times, attempts and error messages only.
   * @default false
   */
  eventPayloads?: boolean;
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (an optional peer): `'auto'`
   * uses it when it is installed (it costs next to nothing until an SDK registers a provider),
   * `true` requires it, `false` never loads it.
   * @default 'auto'
   */
  tracing?: boolean | 'auto';
}

export type ResolvedObservability = Required<ObservabilityOptions>;

export const OBSERVABILITY_DEFAULTS: ResolvedObservability = {
  eventPayloads: false,
  tracing: 'auto',
};

/** Merges the defaults in; refuses keys and values the engine does not know. */
export function resolveObservability(
  options: ObservabilityOptions | undefined,
): ResolvedObservability {
  if (options === undefined) return OBSERVABILITY_DEFAULTS;
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(
      'observability',
      options,
      'an object such as { eventPayloads, tracing }',
    );
  for (const key of Object.keys(options)) {
    if (!(key in OBSERVABILITY_DEFAULTS))
      throw new InvalidOptionsError(
        `observability.${key}`,
        (options as Record<string, unknown>)[key],
        'one of the keys eventPayloads, tracing',
      );
  }
  const resolved = { ...OBSERVABILITY_DEFAULTS, ...options };
  if (typeof resolved.eventPayloads !== 'boolean')
    throw new InvalidOptionsError(
      'observability.eventPayloads',
      resolved.eventPayloads,
      'true or false',
    );
  if (typeof resolved.tracing !== 'boolean' && resolved.tracing !== 'auto')
    throw new InvalidOptionsError(
      'observability.tracing',
      resolved.tracing,
      "true, false or 'auto'",
    );
  return resolved;
}
