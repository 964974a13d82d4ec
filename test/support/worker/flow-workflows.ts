/**
 * The workflows of the flow-control process tests (test/flow): `job` runs one step of
 * `input.stepMs`, which returns when it began and ended on this machine's clock (`Date.now()`,
 * one clock for every process, where the engine's follows each process's view of the server's). `workerFlow` gives `job` the flow options the test passes (`options.flow`).
 */
import type { WorkflowContext, WorkflowFlowOptions } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export const workerWorkflows: WorkflowSet = () => ({
  job: async (ctx: WorkflowContext, input: { stepMs: number }) => {
    await ctx.step('work', async () => {
      const start = Date.now();
      await pause(input.stepMs);
      return { start, end: Date.now(), pid: process.pid };
    });
  },
});

/** The flow options of each workflow, registered by the harness before the worker starts. */
export const workerFlow = (
  options: unknown,
): Record<string, WorkflowFlowOptions> => {
  const { flow } = (options ?? {}) as { flow?: WorkflowFlowOptions };
  return flow ? { job: flow } : {};
};
