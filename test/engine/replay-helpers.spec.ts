import { ContextMisuseError, type WorkflowContext } from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';

describe('ctx.now(), ctx.random() and ctx.uuid()', () => {
  it('give a replay the values the first run drew', async () => {
    const seen: [number, number, string][] = [];
    let runs = 0;
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        const at = await ctx.now();
        const chance = await ctx.random();
        const id = await ctx.uuid();
        seen.push([at.getTime(), chance, id]);
        // The first run fails after drawing: the retry replays the values.
        await ctx.step('once', () => {
          if (++runs === 1) throw new Error('first run fails');
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { at, chance, id, later: (await ctx.now()).getTime() };
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
    const done = await engine.get('w');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    const [at, chance, id] = seen[0];
    expect(done?.result).toMatchObject({ at: new Date(at), chance, id });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(chance).toBeGreaterThanOrEqual(0);
    expect(chance).toBeLessThan(1);
    // A second ctx.now() is a value of its own, drawn when called.
    expect((done!.result as { later: number }).later).toBeGreaterThan(at);
    expect(
      done!.steps.filter((s) => s.kind === 'value').map((s) => s.id),
    ).toEqual(['now#1', 'random#1', 'uuid#1', 'now#2']);
  });

  it('is a misuse when not awaited', async () => {
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        void ctx.uuid();
        return Promise.resolve(1);
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('aborted');
    const done = await engine.get('w');
    expect(done?.error?.name).toBe(ContextMisuseError.name);
    expect(done?.error?.message).toContain('ctx.uuid()');
  });
});
