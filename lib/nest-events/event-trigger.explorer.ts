import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { LIDEX_WORKFLOW_METADATA } from '../lidex.constants';
import { messages } from '../lidex.messages';
import type { EventTrigger } from './event-trigger';
import { triggersOf } from './event-trigger.decorator';

/** A `@StartWorkflowOn` or `@SignalWorkflowOn` found in the app. */
export interface DiscoveredTrigger {
  trigger: EventTrigger;
  /** `ClassName` or `ClassName.methodName()`, for messages. */
  where: string;
  /** The workflow a start trigger starts: its option, or the `@Workflow()` method it is on. */
  workflow?: string;
}

/** Finds the event decorators on the app's providers, on their classes and methods. */
@Injectable()
export class EventTriggerExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  explore(): DiscoveredTrigger[] {
    const seen = new Set<object>();
    const found: DiscoveredTrigger[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      for (const type of classesOf(wrapper)) {
        if (seen.has(type)) continue;
        seen.add(type);
        found.push(...this.triggersOfClass(type));
      }
    }
    return found;
  }

  private triggersOfClass(type: { name: string; prototype: object }) {
    const className = type.name || 'AnonymousClass';
    const found: DiscoveredTrigger[] = triggersOf(type).map((trigger) => ({
      trigger,
      where: className,
      workflow: trigger.kind === 'start' ? trigger.workflow : undefined,
    }));
    const methods = type.prototype as Record<string, unknown>;
    for (const methodName of this.scanner.getAllMethodNames(type.prototype)) {
      const method = methods[methodName];
      if (typeof method !== 'function') continue;
      const where = `${className}.${methodName}()`;
      const own = this.reflector.get<string | undefined>(
        LIDEX_WORKFLOW_METADATA,
        method,
      );
      for (const trigger of triggersOf(method)) {
        const workflow =
          trigger.kind === 'start' ? (trigger.workflow ?? own) : undefined;
        if (trigger.kind === 'start' && workflow === undefined) {
          throw new InvalidArgumentError(
            messages.eventTriggerNeedsWorkflow(trigger.decorator, where),
          );
        }
        found.push({ trigger, where, workflow });
      }
    }
    return found;
  }
}

/** The class of a provider: its `useClass`, or the class of its value. */
function classesOf(
  wrapper: InstanceWrapper,
): { name: string; prototype: object }[] {
  if (wrapper.isAlias) return [];
  const candidates: unknown[] = [
    wrapper.inject ? undefined : wrapper.metatype,
    (wrapper.instance as object | undefined)?.constructor,
  ];
  return candidates.filter(
    (type): type is { name: string; prototype: object } =>
      typeof type === 'function' &&
      type !== Object &&
      typeof (type as { prototype?: unknown }).prototype === 'object',
  );
}
