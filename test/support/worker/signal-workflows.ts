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
    /**
     * A step, two waits for `go`, a step; the result is both payloads, in the order consumed.
     * With `{ child: true }` it also starts a `leaf` child before the waits and waits for the
     * child's result after them (its end arrives as a signal while the parent waits for `go`).
     */
    'two-signals': async (
      ctx: WorkflowContext,
      input: { child?: boolean } | null,
    ) => {
      await ctx.step('before', () => note(ctx, 'before'));
      const child = input?.child
        ? await ctx.startChild<string>('kid', 'leaf', null)
        : undefined;
      const first = await ctx.waitForSignal('first', GO_SIGNAL);
      const second = await ctx.waitForSignal('second', GO_SIGNAL);
      const kid = child ? await child.result() : undefined;
      await ctx.step('after', () => note(ctx, 'after'));
      return child ? [first, second, kid] : [first, second];
    },
    /** A child: one noted step; its result names it. */
    leaf: async (ctx: WorkflowContext) =>
      ctx.step('work', () => {
        note(ctx, 'work');
        return `${ctx.workflowId} done`;
      }),
  };
};
