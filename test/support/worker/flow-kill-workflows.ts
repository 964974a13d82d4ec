/**
 * The workflows of the flow-control crash tests (test/crash/flow-kill.spec.ts): `job` runs one
 * step of `input.stepMs` that returns when it began and ended and in which process, as
 * `flow-workflows.ts`' does, and also notes in `options.log` (JSON lines) when each run of the
 * step began and when its function returned, with the process: the test sees which worker is
 * inside a step (holding a slot) before it kills or freezes it, and when a frozen one's step
 * came back after it woke.
 */
import { appendFileSync } from 'node:fs';
import type { WorkflowContext, WorkflowFlowOptions } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export interface FlowKillOptions {
  log: string;
  flow?: WorkflowFlowOptions;
}

/** One line of the log: a run of `work` began (`begin`) or its function returned (`end`). */
export interface FlowKillLine {
  id: string;
  pid: number;
  event: 'begin' | 'end';
  at: number;
}

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export const workerWorkflows: WorkflowSet = (options) => {
  const { log } = options as FlowKillOptions;
  const note = (id: string, event: FlowKillLine['event'], at: number) =>
    appendFileSync(
      log,
      `${JSON.stringify({ id, pid: process.pid, event, at })}\n`,
    );
  return {
    job: async (ctx: WorkflowContext, input: { stepMs: number }) => {
      await ctx.step('work', async () => {
        const start = Date.now();
        note(ctx.workflowId, 'begin', start);
        await pause(input.stepMs);
        const end = Date.now();
        note(ctx.workflowId, 'end', end);
        return { start, end, pid: process.pid };
      });
    },
  };
};

/** `job`'s flow options, as the test passes them (`options.flow`). */
export const workerFlow = (
  options: unknown,
): Record<string, WorkflowFlowOptions> => {
  const { flow } = options as FlowKillOptions;
  return flow ? { job: flow } : {};
};
