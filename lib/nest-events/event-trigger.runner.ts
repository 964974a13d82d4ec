import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventBusMissingError } from '../errors/event-bus-missing.error';
import { LidexClient } from '../lidex.client';
import { LIDEX_LOGGER_CONTEXT } from '../lidex.constants';
import { messages } from '../lidex.messages';
import type { EventBusHandle } from './event-trigger';
import {
  EventTriggerExplorer,
  type DiscoveredTrigger,
} from './event-trigger.explorer';

/**
 * Runs the app's `@StartWorkflowOn` / `@SignalWorkflowOn`: finds their buses as the app
 * initialises (failing then when one is missing), listens once it has booted, and on shutdown
 * stops listening and lets the starts and signals under way finish. A failure is logged, never
 * thrown into the bus.
 */
@Injectable()
export class EventTriggerRunner
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(LIDEX_LOGGER_CONTEXT);
  private readonly planned: {
    found: DiscoveredTrigger;
    bus: EventBusHandle;
  }[] = [];
  private readonly stopListening: (() => void)[] = [];
  private readonly underWay = new Set<Promise<void>>();

  constructor(
    private readonly explorer: EventTriggerExplorer,
    private readonly moduleRef: ModuleRef,
    private readonly client: LidexClient,
  ) {}

  onModuleInit(): void {
    for (const found of this.explorer.explore()) {
      const { source, decorator } = found.trigger;
      const bus = source.find(this.moduleRef);
      if (!bus) {
        throw new EventBusMissingError(
          decorator,
          found.where,
          source.packageName,
          source.moduleName,
        );
      }
      this.planned.push({ found, bus });
    }
  }

  onApplicationBootstrap(): void {
    for (const { found, bus } of this.planned) {
      this.stopListening.push(
        bus.listen(found.trigger.event, (event) => this.track(found, event)),
      );
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const stop of this.stopListening.splice(0)) stop();
    await Promise.all(this.underWay);
  }

  /** Handles one event, kept until done so that shutdown waits for it; never rejects. */
  private track(found: DiscoveredTrigger, event: unknown): Promise<void> {
    const handling = this.handle(found, event).finally(() =>
      this.underWay.delete(handling),
    );
    this.underWay.add(handling);
    return handling;
  }

  private async handle(
    { trigger, where, workflow }: DiscoveredTrigger,
    event: unknown,
  ): Promise<void> {
    try {
      if (trigger.kind === 'start') {
        const id = trigger.id(event) as string;
        const input = trigger.input?.(event);
        const started = await this.client.start(id, workflow!, input as never);
        if (!started) {
          this.logger.debug(
            messages.eventTriggerAlreadyStarted(trigger.decorator, where, id),
          );
        }
        return;
      }
      const workflowId = trigger.workflowId(event) as string;
      const delivered = await this.client.signal(
        workflowId,
        trigger.signal,
        trigger.payload?.(event) as never,
        { signalId: trigger.signalId(event) as string },
      );
      if (!delivered) {
        this.logger.debug(
          messages.eventTriggerSignalNotDelivered(
            trigger.decorator,
            where,
            workflowId,
          ),
        );
      }
    } catch (error) {
      this.logger.error(
        messages.eventTriggerFailed(
          trigger.decorator,
          where,
          error instanceof Error ? error.message : String(error),
        ),
        error instanceof Error ? error.stack : undefined,
      );
    }
  }
}
