import {
  DuplicateStepIdError,
  InvalidArgumentError,
  ValueNotStorableError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MAX_VALUE_DEPTH } from '../../lib/engine/codec';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

/** A value nested `levels` objects deep. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/**
 * Errors that cannot succeed on a retry end the workflow at once (`aborted`, after one run),
 * whatever `maxFailures` says; other errors are still retried.
 */
describe('errors that cannot succeed on retry', () => {
  it('refuses a 10,000-level input at start with ValueNotStorableError, not a stack overflow', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    const starting = engine.start('w', 'wf', nested(10_000));
    await expect(starting).rejects.toBeInstanceOf(ValueNotStorableError);
    await expect(starting).rejects.toThrow(
      `is nested more than ${MAX_VALUE_DEPTH} levels deep`,
    );
    await expect(starting).rejects.toThrow('input of workflow "w": value.a.a');
    expect(await engine.get('w')).toBeUndefined();
  });

  it('ends the workflow after one run of a step whose result is nested too deep', async () => {
    let sideEffects = 0;
    const { engine } = makeEngine({
      wf: async (ctx) =>
        ctx.step('deep', () => {
          sideEffects++;
          return nested(10_000);
        }),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('w');
    expect(sideEffects).toBe(1);
    expect(info).toMatchObject({ failures: 1, attempts: 1 });
    expect(info?.error?.name).toBe(ValueNotStorableError.name);
    expect(info?.error?.message).toContain(
      'result of step "deep" in workflow "w": value.a.a',
    );
  });

  it('ends the workflow after one run when a step id is used twice', async () => {
    let charges = 0;
    const { engine } = makeEngine({
      wf: async (ctx) => {
        await ctx.step('charge', () => ++charges);
        await ctx.step('charge', () => ++charges);
      },
    });
    await engine.start('order-7', 'wf', null);
    expect(await engine.wait('order-7', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('order-7');
    expect(charges).toBe(1);
    expect(info).toMatchObject({ failures: 1, attempts: 1 });
    expect(info?.error).toMatchObject({
      name: DuplicateStepIdError.name,
      message: messages.duplicateStepId('order-7', 'step', 'charge'),
    });
  });

  it.each<[string, (ctx: WorkflowContext) => Promise<unknown>]>([
    ['an empty step id', (ctx) => ctx.step('', () => 1)],
    ['a sleep of NaN ms', (ctx) => ctx.sleep('nap', Number.NaN)],
  ])(
    'ends the workflow after one run on %s (InvalidArgumentError)',
    async (_label, misuse) => {
      const { engine } = makeEngine({ wf: misuse });
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
      const info = await engine.get('w');
      expect(info).toMatchObject({ failures: 1, attempts: 1 });
      expect(info?.error?.name).toBe(InvalidArgumentError.name);
    },
  );

  it('still ends the workflow when its code catches the error and throws its own with it as cause', async () => {
    const { engine } = makeEngine({
      wf: async (ctx) => {
        try {
          await ctx.step('bad', () => () => 'a function');
        } catch (error) {
          throw new Error('could not record', { cause: error });
        }
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    expect(await engine.get('w')).toMatchObject({ failures: 1 });
  });

  it('keeps retrying an ordinary error until maxFailures', async () => {
    let runs = 0;
    const { engine } = makeEngine({
      wf: () => Promise.reject(new Error(`down ${++runs}`)),
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    expect(runs).toBe(3);
  });
});
