import {
  MemoryStore,
  type WorkflowContext,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { makeEngine } from '../support/engine-harness';

/*
 * What becomes of a running workflow when its code changes under it (the README's "Changing a
 * workflow"). Each case starts a workflow on the old code, which records its first steps and
 * goes to sleep durably; that instance stops; an instance with the new code takes it up when the
 * sleep ends and finishes it. Steps are matched to their records by id, never by position.
 */

/** How many times each step's function ran, across both instances. */
type Ran = Record<string, number>;

const PAUSE_MS = 300;

/** The old code: steps one and two, a durable pause, step three. */
const oldCode =
  (ran: Ran): WorkflowHandler =>
  async (ctx: WorkflowContext) => {
    const one = await ctx.step('one', () => count(ran, 'one'));
    const two = await ctx.step('two', () => count(ran, 'two'));
    await ctx.sleep('pause', PAUSE_MS);
    const three = await ctx.step('three', () => count(ran, 'three'));
    return [one, two, three];
  };

/** Runs a step's function: counts the call and answers what it would have returned. */
function count(ran: Ran, id: string): string {
  ran[id] = (ran[id] ?? 0) + 1;
  return `${id} #${ran[id]}`;
}

/** Starts `order` on the old code, stops it asleep, and finishes it on `newCode`. */
async function acrossChange(newCode: (ran: Ran) => WorkflowHandler) {
  const store = new MemoryStore();
  const ran: Ran = {};
  const options = { store, sleepInMemoryMaxMs: 0 };
  const before = makeEngine({ order: oldCode(ran) }, options);
  await before.engine.start('w', 'order', null);
  await eventually(
    async () => (await store.getWorkflow('w'))?.steps.length === 3,
  );
  await before.engine.stopWorker();
  expect(ran).toEqual({ one: 1, two: 1 });

  const after = makeEngine({ order: newCode(ran) }, options);
  expect(await after.engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
  const info = await after.engine.get('w');
  return {
    ran,
    result: info?.result,
    recorded: info?.steps.map((step) => step.id),
  };
}

describe('Changing the code of a running workflow (steps are keyed by id)', () => {
  it('an added step runs when the workflow reaches it, even before steps already recorded', async () => {
    const { ran, result } = await acrossChange(
      (ran) => async (ctx: WorkflowContext) => {
        const one = await ctx.step('one', () => count(ran, 'one'));
        const added = await ctx.step('added', () => count(ran, 'added'));
        const two = await ctx.step('two', () => count(ran, 'two'));
        await ctx.sleep('pause', PAUSE_MS);
        const three = await ctx.step('three', () => count(ran, 'three'));
        return [one, added, two, three];
      },
    );
    // The recorded steps replay; only the new one and those never reached run.
    expect(ran).toEqual({ one: 1, two: 1, added: 1, three: 1 });
    expect(result).toEqual(['one #1', 'added #1', 'two #1', 'three #1']);
  });

  it('a removed step’s record is ignored: the workflow goes on without it', async () => {
    const { ran, result, recorded } = await acrossChange(
      (ran) => async (ctx: WorkflowContext) => {
        const one = await ctx.step('one', () => count(ran, 'one'));
        await ctx.sleep('pause', PAUSE_MS);
        const three = await ctx.step('three', () => count(ran, 'three'));
        return [one, three];
      },
    );
    expect(ran).toEqual({ one: 1, two: 1, three: 1 });
    expect(result).toEqual(['one #1', 'three #1']);
    // Still there to read, never used again.
    expect(recorded).toEqual(['one', 'two', 'pause', 'three']);
  });

  it('a renamed step runs again under its new id (its side effect happens twice)', async () => {
    const { ran, result } = await acrossChange(
      (ran) => async (ctx: WorkflowContext) => {
        const one = await ctx.step('one', () => count(ran, 'one'));
        const two = await ctx.step('two-renamed', () => count(ran, 'two'));
        await ctx.sleep('pause', PAUSE_MS);
        const three = await ctx.step('three', () => count(ran, 'three'));
        return [one, two, three];
      },
    );
    expect(ran).toEqual({ one: 1, two: 2, three: 1 });
    expect(result).toEqual(['one #1', 'two #2', 'three #1']);
  });

  it('reordered steps replay by id: each gets its own recorded result, none runs again', async () => {
    const { ran, result } = await acrossChange(
      (ran) => async (ctx: WorkflowContext) => {
        const two = await ctx.step('two', () => count(ran, 'two'));
        const one = await ctx.step('one', () => count(ran, 'one'));
        await ctx.sleep('pause', PAUSE_MS);
        const three = await ctx.step('three', () => count(ran, 'three'));
        return [two, one, three];
      },
    );
    expect(ran).toEqual({ one: 1, two: 1, three: 1 });
    expect(result).toEqual(['two #1', 'one #1', 'three #1']);
  });

  it('a renamed sleep sleeps again, from when it is reached', async () => {
    const started = Date.now();
    const { ran, recorded } = await acrossChange(
      (ran) => async (ctx: WorkflowContext) => {
        await ctx.step('one', () => count(ran, 'one'));
        await ctx.step('two', () => count(ran, 'two'));
        await ctx.sleep('pause-renamed', PAUSE_MS);
        return ctx.step('three', () => count(ran, 'three'));
      },
    );
    expect(ran).toEqual({ one: 1, two: 1, three: 1 });
    expect(recorded).toEqual(['one', 'two', 'pause', 'pause-renamed', 'three']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * PAUSE_MS);
  });
});
