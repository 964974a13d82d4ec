import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { LidexEngine } from './engine/lidex-engine';
import { LIDEX_ENGINE, LIDEX_LOGGER_CONTEXT } from './lidex.constants';
import { messages } from './lidex.messages';
import { LIDEX_MODULE_OPTIONS } from './lidex.module-definition';
import type { LidexModuleOptions } from './lidex-options.interface';
import type { WorkflowScheduleOptions } from './engine/schedules/schedule-options';
import { WorkflowExplorer } from './workflow.explorer';

/** Maps Nest's lifecycle onto the engine: discover, run, drain, close. */
@Injectable()
export class LidexWorker
  implements
    OnModuleInit,
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly logger = new Logger(LIDEX_LOGGER_CONTEXT);
  /** The `@Workflow(name, { schedule })` schedules, saved as the app boots. */
  private readonly declared = new Map<string, WorkflowScheduleOptions>();

  constructor(
    @Inject(LIDEX_ENGINE) private readonly engine: LidexEngine,
    @Inject(LIDEX_MODULE_OPTIONS) private readonly options: LidexModuleOptions,
    private readonly explorer: WorkflowExplorer,
  ) {}

  onModuleInit(): void {
    for (const workflow of this.explorer.explore().values()) {
      this.engine.register(workflow.name, workflow.handler, {
        version: workflow.version,
        ...workflow.flow,
      });
      if (workflow.schedule)
        this.declared.set(workflow.name, workflow.schedule);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const names = this.engine.workflowNames;
    if (this.options.clientOnly) {
      this.logger.log(messages.clientOnly(names));
      return;
    }
    // Saved before ticking starts; every instance saves the same, so only a change is written.
    for (const [name, schedule] of this.declared) {
      await this.engine.schedules.declare(name, schedule);
    }
    this.engine.startWorker();
    this.logger.log(
      messages.workerStarted(names, this.engine.options.concurrency),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.engine.stopWorker();
  }

  async onApplicationShutdown(): Promise<void> {
    // Closed, the client answers every call with LidexClosedError rather than a store's error.
    await this.engine.close();
  }
}
