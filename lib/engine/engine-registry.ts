import { UnknownWorkflowError } from '../errors/unknown-workflow.error';
import type { FlowLimit } from '../model';
import { requireWorkflowName } from './arguments';
import { requireHandler } from './engine-config';
import { checkFlowOptions, type WorkflowFlowOptions } from './flow-limits';
import type { WorkflowHandler } from './types';
import { requireVersion } from './workflow-versions';

/**
 * The workflows an engine runs: each name's handler, the version of its code this instance runs
 * and its flow limits (`@Workflow(name, { concurrency })`); and which names it may start.
 */
export class WorkflowRegistry {
  readonly handlers = new Map<string, WorkflowHandler>();
  /** The version this instance runs of each workflow it has a handler for. */
  readonly versions = new Map<string, number>();
  /** The flow limits of the workflows this instance runs. */
  readonly limits = new Map<string, FlowLimit>();

  /** `clientOnly`: an engine that starts workflows it has no handler for, by name. */
  constructor(private readonly clientOnly: boolean) {}

  register(
    name: string,
    handler: WorkflowHandler,
    options: { version?: number } & WorkflowFlowOptions,
  ): void {
    requireWorkflowName(name);
    requireHandler(name, handler);
    const version = requireVersion(
      `The version of workflow ${JSON.stringify(name)}`,
      options.version,
    );
    const limit = checkFlowOptions(name, options);
    this.handlers.set(name, handler);
    this.versions.set(name, version);
    if (limit) this.limits.set(name, limit);
    else this.limits.delete(name);
  }

  get names(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * A name this engine may start: one it has a handler for (else `UnknownWorkflowError`), or,
   * for a `clientOnly` engine, any name of the right form.
   */
  requireStartable(name: string): void {
    if (this.clientOnly) requireWorkflowName(name);
    else if (!this.handlers.has(name)) {
      throw new UnknownWorkflowError(name, this.names);
    }
  }
}
