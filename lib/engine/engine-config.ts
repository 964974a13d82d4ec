import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownOptionError } from '../errors/unknown-option.error';
import { messages } from '../lidex.messages';
import { type Clock, systemClock } from './clock';
import type { Persistence } from '../stores/persistence';
import { unknownKey } from '../model/option-keys';
import { ENGINE_DEFAULTS, type EngineOptions } from './options';
import { requireStore } from './store-check';
import type { LidexLogger, WorkflowHandler } from './types';

/** What `new LidexEngine(config)` takes. */
export interface EngineConfig extends EngineOptions {
  /** Where workflows are stored. */
  store: Persistence;
  /** Workflows by name. More can be added with `register` before the worker starts. */
  handlers?:
    ReadonlyMap<string, WorkflowHandler> | Record<string, WorkflowHandler>;
  /** Where the engine logs; silent when not given. */
  logger?: LidexLogger;
  /**
   * The clock every time and timer of the engine comes from (now, sleeps, leases, polls,
   * `wait()`, the shutdown drain). With the default, `systemClock`, the engine's time follows
   * the database server's clock where the store has one; a clock of your own (the manual test
   * clock of `@lidex/nestjs/testing`) is taken as it is.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Shorthand for a `clock` whose wall time is this function (ms since the epoch), with the
   * system's timers: taken as it is, like any clock of your own. Not together with `clock`.
   */
  now?: () => number;
  /**
   * An engine that starts and reads workflows but never runs them (an API-only instance): its
   * `start()` takes any well-formed name, since the instances that run workflows (perhaps a
   * newer version) may know names this one does not. Do not call `startWorker()` on it.
   * @default false (`start()` refuses names with no handler here: `UnknownWorkflowError`)
   */
  clientOnly?: boolean;
}

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
