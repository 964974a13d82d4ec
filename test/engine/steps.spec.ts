import {
  DuplicateStepIdError,
  InvalidArgumentError,
  ValueNotStorableError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

describe('steps', () => {
  it('replays recorded steps without running them again, including undefined and null results', async () => {
    const ran: string[] = [];
    let attempt = 0;
    const { engine } = makeEngine({
      pay: async (ctx: WorkflowContext) => {
        attempt++;
        const nothing = await ctx.step('returns-undefined', () => {
          ran.push('undefined');
          return undefined;
        });
        const empty = await ctx.step('returns-null', () => {
          ran.push('null');
          return null;
        });
        const when = await ctx.step('returns-date', () => {
          ran.push('date');
          return {
            at: new Date('2024-02-29T12:00:00Z'),
            nested: { list: [1, 'two', null] },
          };
        });
        if (attempt === 1) throw new Error('crash after three steps');
        return { nothing, empty, when, attempt };
      },
    });

    await engine.start('w1', 'pay', {});
    expect(await engine.wait('w1', { timeoutMs: 5000 })).toBe('finished');

    expect(ran).toEqual(['undefined', 'null', 'date']);
    const info = await engine.get('w1');
    expect(info?.result).toEqual({
      nothing: undefined,
      empty: null,
      when: {
        at: new Date('2024-02-29T12:00:00Z'),
        nested: { list: [1, 'two', null] },
      },
      attempt: 2,
    });
    expect(info?.failures).toBe(1);
    expect(info?.steps.map((s) => [s.kind, s.id])).toEqual([
      ['step', 'returns-undefined'],
      ['step', 'returns-null'],
      ['step', 'returns-date'],
    ]);
  });

  it('gives the first run the same values a replay gets (a stored round trip)', async () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const seen: unknown[] = [];
    const { engine } = makeEngine({
      wf: async (ctx) => {
        const value = await ctx.step('money', () => new Money(5));
        seen.push(value);
        return value;
      },
    });
    await engine.start('w', 'wf', null);
    await engine.wait('w', { timeoutMs: 5000 });
    expect(seen[0]).toEqual({ cents: 5 });
    expect(seen[0]).not.toBeInstanceOf(Money);
  });

  it('rejects a step id used twice in one run, naming the workflow and the id', async () => {
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('charge', () => 1);
          await ctx.step('charge', () => 2);
        },
      },
      { maxFailures: 1 },
    );
    await engine.start('order-7', 'wf', null);
    expect(await engine.wait('order-7', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('order-7');
    expect(info?.error?.name).toBe(DuplicateStepIdError.name);
    expect(info?.error?.message).toBe(
      messages.duplicateStepId('order-7', 'step', 'charge'),
    );
    expect(info?.steps).toHaveLength(1);
  });

  it('fails the workflow at the step whose result cannot be stored, saying where', async () => {
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('ok', () => 'fine');
          await ctx.step('bad', () => ({ card: { charge: () => undefined } }));
        },
      },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('w');
    expect(info?.error?.name).toBe(ValueNotStorableError.name);
    expect(info?.error?.message).toContain(
      'result of step "bad" in workflow "w"',
    );
    expect(info?.error?.message).toContain('value.card.charge is a function');
    expect(info?.steps.map((s) => s.id)).toEqual(['ok']);
  });

  it.each([
    [
      'a circular object',
      () => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      },
      'value.self refers back to itself',
    ],
    ['a BigInt', () => ({ n: 10n }), 'value.n is a BigInt'],
    ['a Map', () => new Map([[1, 2]]), 'value is a Map'],
    ['a symbol in an array', () => [1, Symbol('s')], 'value[1] is a symbol'],
  ])('refuses %s as a step result', async (_label, make, expected) => {
    const { engine } = makeEngine(
      { wf: async (ctx) => ctx.step<unknown>('s', make) },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    await engine.wait('w', { timeoutMs: 5000 });
    expect((await engine.get('w'))?.error?.message).toContain(expected);
  });

  it('rejects an empty step id with a clear error', async () => {
    const { engine } = makeEngine(
      { wf: async (ctx) => ctx.step('', () => 1) },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    await engine.wait('w', { timeoutMs: 5000 });
    const info = await engine.get('w');
    expect(info?.error?.name).toBe(InvalidArgumentError.name);
    expect(info?.error?.message).toContain(
      'ctx.step() id must be a non-empty string',
    );
  });

  it('starts other workflows from a workflow, idempotently', async () => {
    const { engine } = makeEngine({
      parent: async (ctx) => {
        const first = await ctx.start('child-1', 'child', {
          from: ctx.workflowId,
        });
        const again = await ctx.start('child-1', 'child', { from: 'nobody' });
        return { first, again };
      },
      child: async (_ctx, input: { from: string }) => `child of ${input.from}`,
    });
    await engine.start('parent-1', 'parent', null);
    await engine.wait('parent-1', { timeoutMs: 5000 });
    expect((await engine.get('parent-1'))?.result).toEqual({
      first: true,
      again: false,
    });
    expect(await engine.wait('child-1', { timeoutMs: 5000 })).toBe('finished');
    expect((await engine.get('child-1'))?.result).toBe('child of parent-1');
  });
});
