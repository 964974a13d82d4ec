/**
 * The workflows of the multi-process tests, run in worker processes (`entry.ts`). Each step
 * execution is appended to the journal (when there is one) before the step's result is recorded:
 * `<workflow> <step> <pid>` lines the tests read back.
 */
import { appendFileSync } from 'node:fs';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

interface Steps {
  steps: number;
  stepMs: number;
}

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export const workerWorkflows: WorkflowSet = (options) => {
  const { journal } = (options ?? {}) as { journal?: string };
  const note = (ctx: WorkflowContext, step: string) => {
    if (journal) {
      appendFileSync(journal, `${ctx.workflowId} ${step} ${process.pid}\n`);
    }
  };
  /** Each of `steps` steps is noted, waits `stepMs` and returns `value(i)`. */
  const stepsReturning =
    (value: (i: number) => number) =>
    async (ctx: WorkflowContext, input: Steps) => {
      const results: number[] = [];
      for (let i = 0; i < input.steps; i++) {
        results.push(
          await ctx.step(`step-${i}`, async () => {
            note(ctx, `step-${i}`);
            await pause(input.stepMs);
            return value(i);
          }),
        );
      }
      return results;
    };
  const stamps = stepsReturning(() => process.pid);
  const indexes = stepsReturning((i) => i);
  return {
    /** input: { steps, stepMs }; result: 0 + 1 + ... + (steps - 1) */
    chain: async (ctx: WorkflowContext, input: Steps) =>
      (await indexes(ctx, input)).reduce((sum, i) => sum + i, 0),
    /** input: { steps, stepMs }; each step records the pid of the process that ran it. */
    stamp: stamps,
    /**
     * input: { steps, sleepMs }: a step, then a short in-memory sleep, and so on; each step
     * records the pid of the process that ran it.
     */
    async napper(
      ctx: WorkflowContext,
      input: { steps: number; sleepMs: number },
    ) {
      const pids: number[] = [];
      for (let i = 0; i < input.steps; i++) {
        if (i > 0) await ctx.sleep(`nap-${i}`, input.sleepMs);
        pids.push(
          await ctx.step(`step-${i}`, () => {
            note(ctx, `step-${i}`);
            return process.pid;
          }),
        );
      }
      return pids;
    },
  };
};
