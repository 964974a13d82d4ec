import { ConfigurableModuleBuilder, Logger } from '@nestjs/common';
import { LidexEngine } from './engine/lidex-engine';
import { LIDEX_LOGGER_CONTEXT } from './lidex.constants';
import { messages } from './lidex.messages';
import type { LidexModuleOptions } from './lidex-options.interface';
import { SqliteStore } from './stores/sqlite/sqlite.store';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: LIDEX_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LidexModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createLidexOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/**
 * Builds the engine from the module's options. The one place where module defaults are applied;
 * the engine's own defaults live in `ENGINE_DEFAULTS`.
 */
export async function createLidexEngine(
  options: LidexModuleOptions,
): Promise<LidexEngine> {
  const logger = new Logger(LIDEX_LOGGER_CONTEXT);
  const store = options.persistence ?? new SqliteStore();
  const engine = new LidexEngine({ ...options, store, logger });
  await store.init();
  logger.log(messages.storeOpened(store.describe()));
  return engine;
}
