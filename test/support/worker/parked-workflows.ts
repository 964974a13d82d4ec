/**
 * The workflows of the worker-RSS test (`test/horizons/worker-rss.spec.ts`), run in a worker
 * process (`entry.ts`): each parks at once, released from the worker's memory until something
 * outside it (a signal, the clock) wakes it.
 *
 * `{ keepBytesPerRun }` makes each run keep that many bytes in a module-level array, as a handler
 * that leaks would: what shows the test's bound can fail.
 */
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

const HOUR = 60 * 60 * 1000;

/** What the leaking variant keeps, for as long as the process lives. */
const kept: Buffer[] = [];

export const workerWorkflows: WorkflowSet = (options) => {
  const { keepBytesPerRun = 0 } = (options ?? {}) as {
    keepBytesPerRun?: number;
  };
  const keep = () => {
    if (keepBytesPerRun > 0) kept.push(Buffer.alloc(keepBytesPerRun, 1));
  };
  return {
    /** Waits for the signal `go` (no timeout: a durable release), then one step. */
    waiter: async (ctx: WorkflowContext) => {
      keep();
      const payload = await ctx.waitForSignal<number>('go', 'go');
      await ctx.step('woke', () => payload);
      return payload;
    },
    /** Asleep for an hour: released until it is due. */
    nap: async (ctx: WorkflowContext) => {
      keep();
      await ctx.sleep('hour', HOUR);
      return 'rested';
    },
  };
};
