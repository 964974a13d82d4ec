import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownOptionError } from '../errors/unknown-option.error';
import { messages } from '../lidex.messages';
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
