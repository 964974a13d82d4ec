import { InvalidOptionsError } from './errors/invalid-options.error';
import { UnknownOptionError } from './errors/unknown-option.error';
import { requireClock } from './engine/engine-config';
import { unknownKey } from './model/option-keys';
import { ENGINE_DEFAULTS, type EngineOptions } from './engine/options';
import { requireStore } from './engine/store-check';
import { messages } from './lidex.messages';
import type { LidexModuleOptions } from './lidex-options.interface';

/** The keys of `LidexModuleOptions`: what forRoot() takes and useFactory returns. */
const OWN_OPTIONS = {
  persistence: true,
  clientOnly: true,
  clock: true,
} satisfies Record<
  Exclude<keyof LidexModuleOptions, keyof EngineOptions>,
  true
>;
const MODULE_OPTIONS: readonly string[] = [
  ...Object.keys(OWN_OPTIONS),
  ...Object.keys(ENGINE_DEFAULTS),
];
/** Options that shape the module (`LidexModuleExtras`): beside useFactory, never returned by it. */
const EXTRAS = ['isGlobal', 'dashboard'];
/** What forRootAsync() itself takes, as Nest's ConfigurableModuleBuilder reads it. */
const ASYNC_OPTIONS = [
  'imports',
  'inject',
  'useFactory',
  'useClass',
  'useExisting',
  'provideInjectionTokensFrom',
];
/** Known mistakes, answered with where the thing goes rather than a near spelling. */
const MODULE_ADVICE = {
  handlers: messages.handlersNotAModuleOption(),
  store: messages.didYouMean('persistence'),
};
const FACTORY_RESULT = "The options forRootAsync's useFactory returned";

/** `forRoot(options)`: known keys only, extras of the right type. */
export function checkForRootOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError('forRoot() options', options, 'an object');
  rejectUnknown(
    'LidexModule.forRoot()',
    options,
    [...MODULE_OPTIONS, ...EXTRAS],
    MODULE_ADVICE,
  );
  checkExtras(options);
}

/** `forRootAsync(options)`: a way to build the options, and only module-shaping keys beside it. */
export function checkForRootAsyncOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(
      'forRootAsync() options',
      options,
      'an object',
    );
  for (const key of Object.keys(options)) {
    if (MODULE_OPTIONS.includes(key) || Object.hasOwn(MODULE_ADVICE, key))
      throw new UnknownOptionError(key, messages.optionBesideFactory(key));
  }
  rejectUnknown('LidexModule.forRootAsync()', options, [
    ...ASYNC_OPTIONS,
    ...EXTRAS,
  ]);
  const { useFactory, useClass, useExisting } = options as Record<
    string,
    unknown
  >;
  if (
    typeof useFactory !== 'function' &&
    (useFactory !== undefined ||
      (useClass === undefined && useExisting === undefined))
  )
    throw new InvalidOptionsError(
      'useFactory',
      useFactory,
      'a function returning the options (or give useClass or useExisting)',
    );
  checkExtras(options);
}

/**
 * The options the engine is built from, as forRoot() gave them or useFactory returned them:
 * an object of known keys, module-shaping keys absent (they would be ignored here).
 */
export function checkModuleOptions(
  options: unknown,
): asserts options is LidexModuleOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionsError(
      'useFactory',
      options,
      'a function returning an options object',
    );
  for (const key of EXTRAS) {
    if (Object.hasOwn(options, key))
      throw new UnknownOptionError(key, messages.optionReturnedByFactory(key));
  }
  rejectUnknown(FACTORY_RESULT, options, MODULE_OPTIONS, MODULE_ADVICE);
  const { clientOnly, persistence, clock } = options as LidexModuleOptions;
  requireBoolean('clientOnly', clientOnly);
  if (persistence !== undefined) requireStore('persistence', persistence);
  if (clock !== undefined) requireClock('clock', clock);
}

function checkExtras(options: object): void {
  requireBoolean('isGlobal', (options as { isGlobal?: unknown }).isGlobal);
}

function requireBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean')
    throw new InvalidOptionsError(option, value, 'true or false');
}

function rejectUnknown(
  where: string,
  options: object,
  known: readonly string[],
  advice?: Record<string, string>,
): void {
  const unknown = unknownKey(where, options, known, advice);
  if (unknown) throw new UnknownOptionError(unknown.key, unknown.message);
}
