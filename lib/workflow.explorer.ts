import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { WorkflowHandler } from './engine/types';
import { DuplicateWorkflowError } from './errors/duplicate-workflow.error';
import { RequestScopedWorkflowError } from './errors/request-scoped-workflow.error';
import {
  LIDEX_SCHEDULE_METADATA,
  LIDEX_WORKFLOW_METADATA,
  LIDEX_WORKFLOW_VERSION_METADATA,
  LIDEX_WORKFLOW_FLOW_METADATA,
} from './lidex.constants';
import type { WorkflowScheduleOptions } from './engine/schedules/schedule-options';
import type { WorkflowFlowOptions } from './engine/flow-limits';

/** A `@Workflow()` method found in the app. */
export interface DiscoveredWorkflow {
  name: string;
  /** `ClassName.methodName`, for messages. */
  where: string;
  handler: WorkflowHandler;
  /** `@Workflow(name, { version })`: 1 when not given. */
  version: number;
  /** `@Workflow(name, { concurrency, rateLimit })`. */
  flow: WorkflowFlowOptions;
  /** `@Workflow(name, { schedule })`: saved as the schedule with the workflow's name at boot. */
  schedule?: WorkflowScheduleOptions;
}

/** Finds `@Workflow()` methods on the app's providers and checks they can run. */
@Injectable()
export class WorkflowExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  explore(): Map<string, DiscoveredWorkflow> {
    const found = new Map<string, DiscoveredWorkflow>();
    for (const wrapper of this.discovery.getProviders()) {
      for (const workflow of this.workflowsOf(wrapper)) {
        const existing = found.get(workflow.name);
        if (existing) {
          throw new DuplicateWorkflowError(
            workflow.name,
            existing.where,
            workflow.where,
          );
        }
        found.set(workflow.name, workflow);
      }
    }
    return found;
  }

  private workflowsOf(wrapper: InstanceWrapper): DiscoveredWorkflow[] {
    // `useExisting` aliases point at a provider that is discovered in its own right.
    if (wrapper.isAlias) return [];
    const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    const instance = isStatic
      ? (wrapper.instance as object | undefined)
      : undefined;
    const prototype: unknown = instance
      ? Object.getPrototypeOf(instance)
      : (wrapper.metatype as { prototype?: unknown } | null)?.prototype;
    if (!prototype || typeof prototype !== 'object') return [];

    const workflows: DiscoveredWorkflow[] = [];
    const methods = prototype as Record<string, unknown>;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = methods[methodName];
      if (typeof method !== 'function') continue;
      const name = this.reflector.get<string | undefined>(
        LIDEX_WORKFLOW_METADATA,
        method,
      );
      if (!name) continue;
      const className =
        (prototype.constructor as { name?: string }).name || 'AnonymousClass';
      const where = `${className}.${methodName}()`;
      if (!instance) throw new RequestScopedWorkflowError(name, where);
      const schedule = this.reflector.get<WorkflowScheduleOptions | undefined>(
        LIDEX_SCHEDULE_METADATA,
        method,
      );
      workflows.push({
        name,
        where,
        version:
          this.reflector.get<number | undefined>(
            LIDEX_WORKFLOW_VERSION_METADATA,
            method,
          ) ?? 1,
        flow:
          this.reflector.get<WorkflowFlowOptions | undefined>(
            LIDEX_WORKFLOW_FLOW_METADATA,
            method,
          ) ?? {},
        ...(schedule ? { schedule } : {}),
        handler: (ctx, input) =>
          (method as WorkflowHandler).call(
            instance,
            ctx,
            input,
          ) as Promise<unknown>,
      });
    }
    return workflows;
  }
}
