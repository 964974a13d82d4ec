/**
 * The workflows of the flow-control process tests (test/flow): `job` runs one step of
 * `input.stepMs`, whose record's `startedAt` and `recordedAt` the tests read back as the run's
 * start and end. `workerFlow` gives `job` the flow options the test passes (`options.flow`).
 */
import type { WorkflowContext, WorkflowFlowOptions } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export const workerWorkflows: WorkflowSet = () => ({
  job: async (ctx: WorkflowContext, input: { stepMs: number }) => {
    await ctx.step('work', () => pause(input.stepMs).then(() => process.pid));
  },
});

/** The flow options of each workflow, registered by the harness before the worker starts. */
export const workerFlow = (
  options: unknown,
): Record<string, WorkflowFlowOptions> => {
  const { flow } = (options ?? {}) as { flow?: WorkflowFlowOptions };
  return flow ? { job: flow } : {};
};
