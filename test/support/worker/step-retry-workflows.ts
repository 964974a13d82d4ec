/**
 * A workflow for the step-retry crash test, run in worker processes (`entry.ts`): `flaky` calls a
 * flaky API through a retried step. Each attempt appends `{"pid", "attempt", "key", "at"}` to the
 * log file; the first two attempts fail, the third succeeds.
 */
import { appendFileSync } from 'node:fs';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export const workerWorkflows: WorkflowSet = (options) => {
  const { log } = options as { log: string };
  return {
    async flaky(ctx: WorkflowContext) {
      return ctx.step(
        'call-api',
        ({ attempt, idempotencyKey }) => {
          const line = {
            pid: process.pid,
            attempt,
            key: idempotencyKey,
            at: Date.now(),
          };
          appendFileSync(log, `${JSON.stringify(line)}\n`);
          if (attempt < 3) throw new Error(`api down (attempt ${attempt})`);
          return `ok at attempt ${attempt}`;
        },
        // A 3 s wait, held in memory (the worker's sleepInMemoryMaxMs): it is killed inside it.
        {
          retry: {
            attempts: 5,
            initialIntervalMs: 3000,
            backoffCoefficient: 1,
          },
        },
      );
    },
  };
};
