import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownOptionError } from '../errors/unknown-option.error';
import { messages } from '../lidex.messages';
import { type Clock, systemClock } from './clock';
import type { EngineConfig } from './lidex-engine';
import { unknownKey } from '../model/option-keys';
import { ENGINE_DEFAULTS, type EngineOptions } from './options';
import { requireStore } from './store-check';
import type { WorkflowHandler } from './types';

/** Every key of `EngineConfig` beyond the engine options: the compiler checks none is missing. */
const CONFIG_KEYS = {
  store: true,
  handlers: true,
  logger: true,
  now: true,
  clock: true,
  clientOnly: true,
} satisfies Record<Exclude<keyof EngineConfig, keyof EngineOptions>, true>;
const ENGINE_CONFIG_KEYS: readonly string[] = [
  ...Object.keys(CONFIG_KEYS),
  ...Object.keys(ENGINE_DEFAULTS),
];

/** Refuses keys the engine does not know (a typo would otherwise be ignored) and a non-store. */
export function checkEngineConfig(config: EngineConfig): void {
  const unknown = unknownKey('new LidexEngine()', config, ENGINE_CONFIG_KEYS);
  if (unknown) throw new UnknownOptionError(unknown.key, unknown.message);
  requireStore('store', config.store);
  if (config.clock !== undefined) requireClock('clock', config.clock);
  if (config.now !== undefined && typeof config.now !== 'function')
    throw new InvalidOptionsError(
      'now',
      config.now,
      'a function returning ms since the epoch',
    );
  if (config.clock !== undefined && config.now !== undefined)
    throw new InvalidOptionsError('now', config.now, messages.nowBesideClock());
}

/** Refuses what is not a `Clock` (an object with `now`, `monotonic` and `setTimer`). */
export function requireClock(option: string, clock: unknown): void {
  const methods = ['now', 'monotonic', 'setTimer'] as const;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    methods.some(
      (method) =>
        typeof (clock as Record<string, unknown>)[method] !== 'function',
    )
  )
    throw new InvalidOptionsError(option, clock, messages.notAClock());
}

/**
 * The engine's clock and whether it is the app's own (taken as it is: no following the
 * database server's clock, takeovers on its time). `now` is a clock with only its wall time
 * replaced.
 */
export function engineClock(config: EngineConfig): {
  clock: Clock;
  own: boolean;
} {
  if (config.clock !== undefined && config.clock !== systemClock)
    return { clock: config.clock, own: true };
  const now = config.now;
  if (now === undefined) return { clock: systemClock, own: false };
  return { clock: { ...systemClock, now: () => now() }, own: true };
}

/** The handlers given to the constructor, as a Map or as an object by name. */
export function handlerEntries(
  handlers: EngineConfig['handlers'],
): Iterable<[string, WorkflowHandler]> {
  if (handlers === undefined) return [];
  if (handlers instanceof Map) return handlers;
  if (
    typeof handlers !== 'object' ||
    handlers === null ||
    Array.isArray(handlers)
  ) {
    throw new InvalidOptionsError(
      'handlers',
      handlers,
      'a Map or an object of workflow names to handler functions',
    );
  }
  return Object.entries(handlers);
}

export function requireHandler(
  name: string,
  handler: unknown,
): asserts handler is WorkflowHandler {
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(messages.handlerNotAFunction(name, handler));
  }
}
