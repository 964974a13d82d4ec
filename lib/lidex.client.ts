import { Inject, Injectable } from '@nestjs/common';
import type { LidexEngine } from './engine/lidex-engine';
import type { WaitOptions, WorkflowInfo, WorkflowStatus } from './engine/types';
import { LIDEX_ENGINE } from './lidex.constants';

/** Starts workflows and reads them back. Inject it anywhere once `LidexModule` is imported. */
@Injectable()
export class LidexClient {
  constructor(@Inject(LIDEX_ENGINE) private readonly engine: LidexEngine) {}

  /**
   * Starts the workflow `name` under `id` with `input`. Idempotent: resolves `false`, changing
   * nothing, when a workflow with this id exists. Throws `UnknownWorkflowError` for a name no
   * `@Workflow()` method has, and `ValueNotStorableError` for an input that cannot be stored.
   */
  start<I>(id: string, name: string, input: I): Promise<boolean> {
    return this.engine.start(id, name, input);
  }

  /** Everything stored about a workflow (status, input, result, error, steps), or `undefined`. */
  get<I = unknown, R = unknown>(
    id: string,
  ): Promise<WorkflowInfo<I, R> | undefined> {
    return this.engine.get<I, R>(id);
  }

  /** The workflow's status, or `undefined` when no workflow has this id. */
  status(id: string): Promise<WorkflowStatus | undefined> {
    return this.engine.status(id);
  }

  /**
   * Waits until the workflow reaches one of the statuses and resolves it, or `undefined` when
   * it does not in time. `wait(id, statuses, times, ms)` checks `times` times, `ms` apart;
   * `wait(id, { statuses, timeoutMs, intervalMs })` defaults to `finished`/`aborted` within 30 s.
   */
  wait(
    id: string,
    statuses: WorkflowStatus[],
    times: number,
    ms: number,
  ): Promise<WorkflowStatus | undefined>;
  wait(id: string, options?: WaitOptions): Promise<WorkflowStatus | undefined>;
  wait(
    id: string,
    statusesOrOptions?: WorkflowStatus[] | WaitOptions,
    times?: number,
    ms?: number,
  ): Promise<WorkflowStatus | undefined> {
    return Array.isArray(statusesOrOptions)
      ? this.engine.wait(id, statusesOrOptions, times ?? 1, ms ?? 1_000)
      : this.engine.wait(id, statusesOrOptions);
  }
}
