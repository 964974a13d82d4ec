import type { StepAttempt, WorkflowContext } from '@lidex/nestjs';
import { idempotencyKey } from '../../lib/engine/step-policy';
import { makeEngine } from '../support/engine-harness';

/*
 * A step's `attempt` argument makes its key and its signal only when the function reads them.
 * These pin down that reading them late changes nothing a function can see.
 */

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the attempt a step function receives', () => {
  it('is frozen, with the attempt number, the key and the signal', async () => {
    let seen: StepAttempt | undefined;
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step('s', (attempt) => {
          seen = attempt;
          return 1;
        }),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    const { attempt, idempotencyKey: key, signal } = seen!;
    expect(attempt).toBe(1);
    expect(key).toBe(idempotencyKey('w', 's'));
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(seen!.signal).toBe(signal);
    expect(Object.isFrozen(seen)).toBe(true);
    expect(() => {
      (seen as { attempt: number }).attempt = 2;
    }).toThrow(TypeError);
  });

  it('has the same key on a later attempt when the first never read it', async () => {
    const keys: string[] = [];
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step(
          'charge',
          (attempt) => {
            if (attempt.attempt === 1) throw new Error('first fails');
            keys.push(attempt.idempotencyKey, attempt.idempotencyKey);
            return 'ok';
          },
          { retry: { attempts: 2, initialIntervalMs: 0 } },
        ),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    expect(keys).toEqual([
      idempotencyKey('w', 'charge'),
      idempotencyKey('w', 'charge'),
    ]);
  });

  it('has its signal aborted when first read after the worker was asked to stop', async () => {
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step('long', async (attempt) => {
          await delay(400);
          seen = {
            aborted: attempt.signal.aborted,
            reason: attempt.signal.reason,
          };
          return 1;
        }),
    });
    await engine.start('w', 'wf', null);
    await delay(50);
    await engine.stopWorker();
    expect(seen?.aborted).toBe(true);
    expect((seen?.reason as Error).name).toBe('AbortError');
    expect((seen?.reason as Error).message).toContain('is stopping');
  });

  it('has a signal that no longer follows the run once its attempt has ended', async () => {
    let ended: StepAttempt | undefined;
    let endedAborted: boolean | undefined;
    let running: StepAttempt | undefined;
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        await ctx.step('quick', (attempt) => {
          ended = attempt;
          return 1;
        });
        return ctx.step('long', async (attempt) => {
          running = attempt;
          await delay(400);
          endedAborted = ended!.signal.aborted;
          return 2;
        });
      },
    });
    await engine.start('w', 'wf', null);
    await delay(50);
    await engine.stopWorker();
    expect(running?.signal.aborted).toBe(true);
    expect(endedAborted).toBe(false);
    expect(ended!.signal.aborted).toBe(false);
  });
});
