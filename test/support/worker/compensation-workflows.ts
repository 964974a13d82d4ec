/**
 * A saga for the compensation crash test, run in worker processes (`entry.ts`): `order` reserves
 * a seat and captures a payment, each with a compensation, then waits in a step that never ends.
 * Each compensation appends `{"pid", "undo", "at"}` to the log. The first refund then holds for
 * `holdMs` (30 s unless told), so that a test kills its worker inside it, whatever the load; a
 * refund run again (one is in the log already) takes 100 ms. `quick` returns its worker's pid.
 * With `flow`, `order` is registered with those limits (`workerFlow`); the lines then also name
 * the workflow (`id`).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { WorkflowContext, WorkflowFlowOptions } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export interface CompensationOptions {
  log: string;
  holdMs?: number;
  flow?: WorkflowFlowOptions;
}

/** `order`'s flow options, as the test passes them (`options.flow`). */
export const workerFlow = (
  options: unknown,
): Record<string, WorkflowFlowOptions> => {
  const { flow } = options as CompensationOptions;
  return flow ? { order: flow } : {};
};

export const workerWorkflows: WorkflowSet = (options) => {
  const { log, holdMs = 30_000 } = options as CompensationOptions;
  const undo = (name: string, id: string) =>
    appendFileSync(
      log,
      `${JSON.stringify({ pid: process.pid, undo: name, id, at: Date.now() })}\n`,
    );
  const refunds = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8').split('"undo":"refund"').length - 1
      : 0;
  return {
    async order(ctx: WorkflowContext) {
      await ctx.step('reserve', () => 'seat-1', {
        compensate: () => undo('release', ctx.workflowId),
      });
      await ctx.step('charge', () => 'ch-1', {
        compensate: async () => {
          const first = refunds() === 0;
          undo('refund', ctx.workflowId);
          await new Promise((resolve) =>
            setTimeout(resolve, first ? holdMs : 100),
          );
        },
      });
      await ctx.step('ship', () => new Promise(() => undefined));
    },
    // A workflow with nothing to undo: whether the worker still has room.
    async quick(ctx: WorkflowContext) {
      return ctx.step('done', () => process.pid);
    },
  };
};
