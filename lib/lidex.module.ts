import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule, ModulesContainer } from '@nestjs/core';
import { LIDEX_ENGINE } from './lidex.constants';
import { LidexClient } from './lidex.client';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  createLidexEngine,
  LIDEX_MODULE_OPTIONS,
  OPTIONS_TYPE,
} from './lidex.module-definition';
import {
  checkForRootAsyncOptions,
  checkForRootOptions,
} from './lidex-options.check';
import { LidexWorker } from './lidex.worker';
import { WorkflowExplorer } from './workflow.explorer';
import { EventTriggerExplorer } from './nest-events/event-trigger.explorer';
import { EventTriggerRunner } from './nest-events/event-trigger.runner';

/**
 * Durable workflows for a Nest app. Import once, in the root module:
 *
 * ```ts
 * @Module({ imports: [LidexModule.forRoot()] })
 * ```
 *
 * Global by default, so `LidexClient` can be injected anywhere.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: LIDEX_ENGINE,
      inject: [LIDEX_MODULE_OPTIONS, ModulesContainer],
      useFactory: createLidexEngine,
    },
    WorkflowExplorer,
    LidexWorker,
    LidexClient,
    EventTriggerExplorer,
    EventTriggerRunner,
  ],
  exports: [LidexClient],
})
export class LidexModule extends ConfigurableModuleClass {
  /** Lidex with these options; `forRoot()` alone runs on an embedded SQLite file. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    checkForRootOptions(options);
    return super.forRoot(options);
  }

  /** Lidex with options from a factory, e.g. built from `ConfigService`. */
  static override forRootAsync(
    options: typeof ASYNC_OPTIONS_TYPE,
  ): DynamicModule {
    checkForRootAsyncOptions(options);
    return super.forRootAsync(options);
  }
}
