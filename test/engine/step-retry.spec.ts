import {
  InvalidArgumentError,
  StepTimeoutError,
  type StepAttempt,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

/** Resolves when the attempt's signal is aborted, rejecting with its reason. */
const untilAborted = ({ signal }: StepAttempt): Promise<never> =>
  new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error)),
  );

describe('ctx.step options', () => {
  it('aborts an attempt past timeoutMs, records it as a StepTimeoutError and retries', async () => {
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step(
          'slow',
          (attempt) =>
            attempt.attempt === 1 ? untilAborted(attempt) : 'second try',
          { timeoutMs: 50, retry: { attempts: 2, initialIntervalMs: 0 } },
        ),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    const info = await engine.get('w');
    expect(info?.result).toBe('second try');
    expect(info?.steps[0].attempts?.[0].error).toEqual({
      name: StepTimeoutError.name,
      message: messages.stepTimedOut('w', 'slow', 1, 50),
    });
  });

  it('retries every step with the module-wide stepRetry', async () => {
    let calls = 0;
    const { engine } = makeEngine(
      {
        wf: (ctx: WorkflowContext) =>
          ctx.step('flaky', () => {
            if (++calls < 3) throw new Error(`no ${calls}`);
            return calls;
          }),
      },
      { stepRetry: { attempts: 3, initialIntervalMs: 1 } },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    const info = await engine.get('w');
    expect(info).toMatchObject({ result: 3, failures: 0 });
    expect(info?.steps[0].attempts).toHaveLength(3);
  });

  it('hands the error on at once when retryIf says no', async () => {
    let calls = 0;
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx
          .step(
            'picky',
            () => {
              calls++;
              throw new Error('400 bad request');
            },
            {
              retry: {
                attempts: 5,
                initialIntervalMs: 1,
                retryIf: (error) => !String(error).includes('400'),
              },
            },
          )
          .catch((error: Error) => `caught: ${error.message}`),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    expect((await engine.get('w'))?.result).toBe('caught: 400 bad request');
    expect(calls).toBe(1);
  });

  it('goes to the workflow-level failure path when the spent error is not caught', async () => {
    let calls = 0;
    const { engine } = makeEngine(
      {
        wf: (ctx: WorkflowContext) =>
          ctx.step(
            'down',
            () => {
              calls++;
              throw new Error('still down');
            },
            { retry: { attempts: 2, initialIntervalMs: 1 } },
          ),
      },
      { maxFailures: 2 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('aborted');
    const info = await engine.get('w');
    expect(info).toMatchObject({
      failures: 2,
      error: { message: 'still down' },
    });
    // Each of the workflow's two runs gave the step its two attempts.
    expect(calls).toBe(4);
    expect(info?.steps[0].attempts?.map((a) => a.attempt)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it.each([
    [
      { retry: { attempts: 0 } },
      'retry.attempts',
      0,
      'an integer from 1 to 1000',
    ],
    [{ timeoutMs: -1 }, 'timeoutMs', -1, 'a number of milliseconds from 1 to'],
    [{ retry: { jitter: 2 } }, 'retry.jitter', 2, 'a number from 0 to 1'],
  ])(
    'ends the workflow at once for the option %j, naming it',
    async (options, option, value, expected) => {
      const { engine } = makeEngine({
        wf: (ctx: WorkflowContext) => ctx.step('s', () => 1, options),
      });
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('aborted');
      const error = (await engine.get('w'))?.error;
      expect(error?.name).toBe(InvalidArgumentError.name);
      expect(error?.message).toContain(
        messages
          .invalidStepOption(
            'ctx.step("s") in workflow "w"',
            option,
            value,
            expected,
          )
          .slice(0, -10),
      );
    },
  );

  it('names the option meant by a misspelt one', async () => {
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step('s', () => 1, { timeout: 100 } as never),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('aborted');
    expect((await engine.get('w'))?.error?.message).toContain(
      messages.didYouMean('timeoutMs'),
    );
  });

  it('aborts the signal of a running attempt when the worker stops', async () => {
    let aborted: unknown;
    const { engine } = makeEngine({
      wf: (ctx: WorkflowContext) =>
        ctx.step('long', (attempt) =>
          untilAborted(attempt).catch((error: unknown) => {
            aborted = error;
            throw error;
          }),
        ),
    });
    await engine.start('w', 'wf', null);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await engine.stopWorker();
    expect((aborted as Error)?.name).toBe('AbortError');
    expect((aborted as Error).message).toContain('is stopping');
  });
});
