import {
  ContextMisuseError,
  InvalidArgumentError,
  type WorkflowContext,
} from '@lidex/nestjs';
const MAX_SLEEP_MS = 315360000000;
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every ctx call must be awaited before the workflow returns. What is not is a
 * ContextMisuseError, stored and logged, ending the workflow at once; the process survives.
 * (test/e2e/ctx-misuse.e2e.spec.ts runs the same mistakes in a real Nest process.)
 */
describe('ctx misuse', () => {
  it('ends at once a workflow that did not await a failing step, naming the step and its error', async () => {
    const { engine, logger } = makeEngine({
      wf: async (ctx) => {
        void ctx.step('charge', () => Promise.reject(new Error('declined')));
        await ctx.step('receipt', () => pause(20));
        return 'done';
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    const message = messages.ctxCallNotAwaited(
      'w',
      'ctx.step("charge")',
      'declined',
    );
    expect((await engine.get('w'))?.error).toMatchObject({
      name: ContextMisuseError.name,
      message,
    });
    expect(logger.has(message)).toBe(true);
  });

  it('records an unawaited step that was still running when the workflow returned, then ends it', async () => {
    const { engine } = makeEngine({
      wf: async (ctx) => {
        void ctx.start('child', 'child', null);
        return 'done';
      },
      child: () => Promise.resolve(),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    expect((await engine.get('w'))?.error?.message).toBe(
      messages.ctxCallNotAwaited('w', 'ctx.start("child")'),
    );
    expect(await engine.wait('child', { timeoutMs: 5000 })).toBe('finished');
  });

  it('stores a call made after the workflow returned while an earlier call was still settling', async () => {
    const ran: string[] = [];
    const { engine } = makeEngine({
      wf: async (ctx) => {
        ctx
          .step('slow', () => pause(50))
          .then(() => ctx.step('after', () => ran.push('after')))
          .catch(() => ran.push('after refused'));
        return 'done';
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('w');
    expect(info?.error?.message).toBe(
      messages.ctxCallAfterEnd('w', 'ctx.step("after")'),
    );
    expect(info?.steps.map((step) => step.id)).toEqual(['slow']);
    expect(ran).toEqual(['after refused']);
  });

  it('refuses, and logs, a ctx call made after the workflow ended', async () => {
    let saved: WorkflowContext | undefined;
    const { engine, logger } = makeEngine({
      wf: (ctx) => {
        saved = ctx;
        return Promise.resolve('done');
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    let ran = false;
    const late = saved!.step('late', () => (ran = true));
    await expect(late).rejects.toBeInstanceOf(ContextMisuseError);
    expect(ran).toBe(false);
    expect(logger.has(messages.ctxCallAfterEnd('w', 'ctx.step("late")'))).toBe(
      true,
    );
  });

  it.each<[string, (ctx: WorkflowContext) => Promise<unknown>]>([
    [
      'Promise.all of steps',
      (ctx) => Promise.all([ctx.step('a', () => 1), ctx.step('b', () => 2)]),
    ],
    ['a step returned without await', (ctx) => ctx.step('a', () => 1)],
    [
      'a step used through then()',
      (ctx) => ctx.step('a', () => 1).then((n) => n + 1),
    ],
  ])('accepts %s', async (_label, workflow) => {
    const { engine } = makeEngine({ wf: workflow });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
  });

  it('retries, as any failure, a Promise.all whose step failed, after recording the others', async () => {
    let runs = 0;
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          runs++;
          await Promise.all([
            ctx.step('slow', () => pause(50).then(() => 'slow')),
            ctx.step('failing', () =>
              runs === 1 ? Promise.reject(new Error('once')) : 'ok',
            ),
          ]);
        },
      },
      { retryIntervalMs: 0 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(await engine.get('w')).toMatchObject({ failures: 1 });
    expect(runs).toBe(2);
  });

  it('rejects an absurd sleep with InvalidArgumentError naming the bound, ending the workflow at once', async () => {
    const { engine } = makeEngine({ wf: (ctx) => ctx.sleep('nap', 1e15) });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    expect((await engine.get('w'))?.error).toMatchObject({
      name: InvalidArgumentError.name,
      message: messages.sleepTooLong('w', 'nap', 1e15, MAX_SLEEP_MS),
    });
  });
});
