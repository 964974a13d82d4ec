import { ConfigurableModuleBuilder, Logger } from '@nestjs/common';
import { withDashboard } from './dashboard/dashboard.definition';
import type { LidexDashboardOptions } from './dashboard/dashboard-options.interface';
import { LidexEngine } from './engine/lidex-engine';
import { LIDEX_LOGGER_CONTEXT } from './lidex.constants';
import { messages } from './lidex.messages';
import type { LidexModuleOptions } from './lidex-options.interface';
import { SqliteStore } from './stores/sqlite/sqlite.store';

/** Options of `forRoot()` and `forRootAsync()` that shape the module rather than the engine. */
export interface LidexModuleExtras {
  /**
   * Make `LidexClient` injectable everywhere without importing the module again.
   * @default true
   */
  isGlobal?: boolean;
  /**
   * Serve the dashboard (a page and its JSON API): `true` at `/lidex`, or `{ path, guard }`.
   * @default undefined (off: nothing is mounted)
   */
  dashboard?: LidexDashboardOptions | boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: LIDEX_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LidexModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createLidexOptions')
  // Extras shape the module itself, so they sit beside the options rather than in them: they
  // are known when the module is defined, also with forRootAsync.
  .setExtras<LidexModuleExtras>(
    { isGlobal: true, dashboard: undefined },
    (definition, extras) =>
      withDashboard(
        { ...definition, global: extras.isGlobal },
        extras.dashboard,
      ),
  )
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
