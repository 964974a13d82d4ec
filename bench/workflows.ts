import type { WorkflowContext, WorkflowHandler } from '@lidex/nestjs';
import type { WorkflowSet } from '../test/support/worker/protocol';
import { wallClockMs } from './stats';

/** One hour: long enough that a sleeper is released from memory and stays asleep. */
export const SLEEP_MS = 3_600_000;

/**
 * The workflows of the bench, run alike in the bench process and in worker processes. Steps do
 * no work, so the figures are the engine's and the store's cost alone.
 */
export const benchWorkflows = {
  /** The unit of throughput: three no-op steps. */
  async threeSteps(ctx: WorkflowContext) {
    await ctx.step('a', () => 1);
    await ctx.step('b', () => 2);
    await ctx.step('c', () => 3);
    return 'ok';
  },
  /** No step at all: start, claim and finish only, to tell the cost of a step apart. */
  async noSteps() {
    return 'ok';
  },
  /** Its first step stores when it ran, as wall-clock ms comparable across processes. */
  async stamped(ctx: WorkflowContext) {
    const pickedUpAt = await ctx.step('picked-up', () => wallClockMs());
    await ctx.step('b', () => 2);
    await ctx.step('c', () => 3);
    return pickedUpAt;
  },
  /** Waits for a signal `go` (no timeout: released durably), then stores when it woke. */
  async awaitsSignal(ctx: WorkflowContext) {
    await ctx.waitForSignal('wait', 'go');
    return ctx.step('woke', () => wallClockMs());
  },
  async sleeper(ctx: WorkflowContext) {
    await ctx.sleep('nap', SLEEP_MS);
    return 'rested';
  },
} satisfies Record<string, WorkflowHandler>;

export type BenchWorkflow = keyof typeof benchWorkflows;

/** For the worker processes (`test/support/worker/entry.ts`): the bench workflows. */
export const workerWorkflows: WorkflowSet = () => benchWorkflows;

/**
 * For an engine that only starts workflows (the client side of a multi-process scenario): the
 * names must be known, but the workflows run in the worker processes.
 */
export const runElsewhere: Record<string, WorkflowHandler> = Object.fromEntries(
  Object.keys(benchWorkflows).map((name) => [
    name,
    () => Promise.reject(new Error(`${name} runs in a worker process`)),
  ]),
);
