import { ConfigurableModuleBuilder, Logger } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { withDashboard } from './dashboard/dashboard.definition';
import type { LidexDashboardOptions } from './dashboard/dashboard-options.interface';
import { LidexEngine } from './engine/lidex-engine';
import { ModuleImportedTwiceError } from './errors/module-imported-twice.error';
import { LIDEX_ENGINE, LIDEX_LOGGER_CONTEXT } from './lidex.constants';
import { checkModuleOptions } from './lidex-options.check';
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
  modules: ModulesContainer,
): Promise<LidexEngine> {
  checkModuleOptions(options);
  requireImportedOnce(modules);
  const logger = new Logger(LIDEX_LOGGER_CONTEXT);
  const { persistence, clientOnly, ...engineOptions } = options;
  const store = persistence ?? new SqliteStore();
  const engine = new LidexEngine({
    ...engineOptions,
    store,
    logger,
    clientOnly,
  });
  await store.init({ logger });
  logger.log(messages.storeOpened(store.describe()));
  return engine;
}

/**
 * One engine per app: a second forRoot() elsewhere in the app would run a second worker over the
 * store, and only one of the two clients would be injected. (The same forRoot() object imported
 * by two modules is one module to Nest, and fine.)
 */
function requireImportedOnce(modules: ModulesContainer): void {
  const count = [...modules.values()].filter((module) =>
    module.providers.has(LIDEX_ENGINE),
  ).length;
  if (count > 1) throw new ModuleImportedTwiceError(count);
}
