/**
 * The workflows of the held-step crash test (`test/crash/held-step-kill.spec.ts`), run in worker
 * processes (`entry.ts`). `held` runs steps `a` and `b` (each notes `<workflow> <step> <pid>` in
 * the journal and returns its process's pid) and, on its first run only (a marker file
 * `<markers>/<workflow id>.<killed|frozen>` remembers it, with the pid), stops its own process
 * at the point its input names, while a step's record is held back or just sent:
 * - `step-returned`: SIGKILL right after `a` returned, its record held, not yet sent;
 * - `finish-sent`: `a`, then `b`, then returns; SIGKILL `delayMs` later (0: at the end of the
 *   event loop's turn), `b`'s record on its way with the finish;
 * - `all-returned`: `a` and `b` together (`Promise.all`), both returning in one turn, then
 *   returns; SIGKILL as for `finish-sent`, `a` sent alone and `b` with the finish;
 * - `failure-sent`: `a`, then throws; SIGKILL as for `finish-sent`, `a` and the failure sent;
 *   a later run does not throw and goes on to `b`;
 * - `sleeping`: `a`, then a sleep of 400 ms (in memory); SIGKILL 150 ms into it;
 * - `frozen`: SIGSTOP right after `a` returned, its record held; the test sends SIGCONT.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowContext } from '@lidex/nestjs';
import type { WorkflowSet } from './protocol';

export type HeldPoint =
  | 'step-returned'
  | 'finish-sent'
  | 'all-returned'
  | 'failure-sent'
  | 'sleeping'
  | 'frozen';

export interface HeldInput {
  point: HeldPoint;
  /** How long after the workflow's end its process is killed; 0: at the end of the turn. */
  delayMs?: number;
}

export interface HeldOptions {
  journal: string;
  /** The folder of the marker files. */
  markers: string;
}

/** The marker a process leaves before it stops itself in `workflowId`'s run. */
export const heldMarker = (
  markers: string,
  workflowId: string,
  point: HeldPoint,
): string =>
  join(markers, `${workflowId}.${point === 'frozen' ? 'frozen' : 'killed'}`);

const kill = () => process.kill(process.pid, 'SIGKILL');

export const workerWorkflows: WorkflowSet = (options) => {
  const { journal, markers } = options as HeldOptions;
  const step = (ctx: WorkflowContext, id: string) =>
    ctx.step(id, () => {
      appendFileSync(journal, `${ctx.workflowId} ${id} ${process.pid}\n`);
      return process.pid;
    });
  /** Whether this is the workflow's first run: the marker is left then. */
  const firstRun = (ctx: WorkflowContext, point: HeldPoint): boolean => {
    const marker = heldMarker(markers, ctx.workflowId, point);
    if (existsSync(marker)) return false;
    writeFileSync(marker, `${process.pid}\n`);
    return true;
  };
  const killAfter = (delayMs = 0) =>
    delayMs === 0 ? setImmediate(kill) : setTimeout(kill, delayMs);
  return {
    held: async (ctx: WorkflowContext, { point, delayMs }: HeldInput) => {
      if (point === 'all-returned') {
        const [a, b] = await Promise.all([step(ctx, 'a'), step(ctx, 'b')]);
        if (firstRun(ctx, point)) killAfter(delayMs);
        return { a, b };
      }
      const a = await step(ctx, 'a');
      if (point === 'step-returned' && firstRun(ctx, point)) kill();
      if (point === 'frozen' && firstRun(ctx, point)) {
        process.kill(process.pid, 'SIGSTOP');
      }
      if (point === 'failure-sent' && firstRun(ctx, point)) {
        killAfter(delayMs);
        throw new Error('declined on the first run');
      }
      if (point === 'sleeping') {
        if (firstRun(ctx, point)) setTimeout(kill, 150);
        await ctx.sleep('nap', 400);
      }
      const b = await step(ctx, 'b');
      if (point === 'finish-sent' && firstRun(ctx, point)) killAfter(delayMs);
      return { a, b };
    },
  };
};
