/**
 * The workflows of the signal chaos test, run in worker processes (`entry.ts`): each waits for
 * two signals of one name, without a timeout (a durable release each time), and notes its steps
 * in the journal (`<workflow> <step> <pid>` lines) before their results are recorded.
 */
import { appendFileSync } from 'node:fs';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

/** The signal the test sends, twice, to each `two-signals` workflow. */
export const GO_SIGNAL = 'go';

export const workerWorkflows: WorkflowSet = (options) => {
  const { journal } = (options ?? {}) as { journal?: string };
  const note = (ctx: WorkflowContext, step: string) => {
    if (journal)
      appendFileSync(journal, `${ctx.workflowId} ${step} ${process.pid}\n`);
  };
  return {
    /** A step, two waits for `go`, a step; the result is both payloads, in the order consumed. */
    'two-signals': async (ctx: WorkflowContext) => {
      await ctx.step('before', () => note(ctx, 'before'));
      const first = await ctx.waitForSignal('first', GO_SIGNAL);
      const second = await ctx.waitForSignal('second', GO_SIGNAL);
      await ctx.step('after', () => note(ctx, 'after'));
      return [first, second];
    },
  };
};
