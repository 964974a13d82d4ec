/**
 * A saga for the compensation crash test, run in worker processes (`entry.ts`): `order` reserves
 * a seat and captures a payment, each with a compensation, then waits in a step that never ends.
 * Each compensation appends `{"pid", "undo", "at"}` to the log; the refund then takes 3 s, so a
 * test can kill its worker inside it.
 */
import { appendFileSync } from 'node:fs';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export const workerWorkflows: WorkflowSet = (options) => {
  const { log } = options as { log: string };
  const undo = (name: string) =>
    appendFileSync(
      log,
      `${JSON.stringify({ pid: process.pid, undo: name, at: Date.now() })}\n`,
    );
  return {
    async order(ctx: WorkflowContext) {
      await ctx.step('reserve', () => 'seat-1', {
        compensate: () => undo('release'),
      });
      await ctx.step('charge', () => 'ch-1', {
        compensate: async () => {
          undo('refund');
          await new Promise((resolve) => setTimeout(resolve, 3000));
        },
      });
      await ctx.step('ship', () => new Promise(() => undefined));
    },
  };
};
