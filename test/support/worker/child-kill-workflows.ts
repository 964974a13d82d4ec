/**
 * The workflows of the child crash test (`test/crash/child-kill.spec.ts`), run in worker
 * processes (`entry.ts`): `parent` runs `kid` as a child and returns the child's result; each
 * notes its steps in the journal (`<workflow> <step> <pid>` lines) before their results are
 * recorded. The process running them SIGKILLs itself, once per parent (a marker file
 * `<markers>/<parent id>.killed` remembers it, with the pid), at the point the parent's input
 * names:
 * - `child-step-recorded`: in the child, right after its last step was recorded, before its end
 *   is sent to the parent or written;
 * - `parent-woken`: in the parent, right after it received the child's end, before its next step.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export type KillPoint = 'child-step-recorded' | 'parent-woken';

export interface ChildKillOptions {
  journal: string;
  /** The folder of the marker files. */
  markers: string;
}

export interface KillInput {
  kill: KillPoint;
  /** The parent's id, which names the marker. */
  parent: string;
}

export const workerWorkflows: WorkflowSet = (options) => {
  const { journal, markers } = options as ChildKillOptions;
  const note = (ctx: WorkflowContext, step: string) =>
    appendFileSync(journal, `${ctx.workflowId} ${step} ${process.pid}\n`);
  const killHereOnce = (point: KillPoint, input: KillInput) => {
    const marker = join(markers, `${input.parent}.killed`);
    if (point !== input.kill || existsSync(marker)) return;
    writeFileSync(marker, `${process.pid}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  return {
    parent: async (ctx: WorkflowContext, kill: KillPoint) => {
      const input: KillInput = { kill, parent: ctx.workflowId };
      await ctx.step('before', () => note(ctx, 'before'));
      const kid = await ctx.executeChild<string>('kid', 'kid', input);
      killHereOnce('parent-woken', input);
      await ctx.step('after', () => note(ctx, 'after'));
      return { kid };
    },
    kid: async (ctx: WorkflowContext, input: KillInput) => {
      const done = await ctx.step('work', async () => {
        note(ctx, 'work');
        // Long enough for the parent to have released itself to wait for this child.
        await new Promise((resolve) => setTimeout(resolve, 200));
        return `${ctx.workflowId} done`;
      });
      killHereOnce('child-step-recorded', input);
      return done;
    },
  };
};
