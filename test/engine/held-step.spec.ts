import {
  MemoryStore,
  ValueNotStorableError,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { makeEngine } from '../support/engine-harness';

/**
 * A memory store that notes each write of a run (`step:<id>`, `finish`, `finish+<id>`), in
 * `writes`, and in `of(workflowId)` those of one workflow. With `refuseFinish`, every finish is
 * noted and then refused with the error it makes.
 */
function notingStore(finishTakesStep = true, refuseFinish?: () => Error) {
  const store = new MemoryStore();
  const noted = Object.create(store) as Persistence;
  const writes: string[] = [];
  const byWorkflow = new Map<string, string[]>();
  const note = (workflowId: string, what: string) => {
    writes.push(what);
    byWorkflow.set(workflowId, [...(byWorkflow.get(workflowId) ?? []), what]);
  };
  Object.defineProperties(noted, {
    finishTakesStep: { value: finishTakesStep },
    recordStep: {
      value: (...args: Parameters<Persistence['recordStep']>) => {
        note(args[0], `${args[2].kind}:${args[2].id}`);
        return store.recordStep(...args);
      },
    },
    recordFinish: {
      value: (...args: Parameters<Persistence['recordFinish']>) => {
        const { step } = args[2];
        note(args[0], step ? `finish+${step.id}` : 'finish');
        if (refuseFinish) return Promise.reject(refuseFinish());
        return store.recordFinish(...args);
      },
    },
  });
  return {
    store: noted,
    writes,
    of: (workflowId: string) => byWorkflow.get(workflowId) ?? [],
  };
}

const threeSteps = async (ctx: WorkflowContext) => {
  const a = await ctx.step('a', () => 1);
  const b = await ctx.step('b', () => a + 1);
  const c = await ctx.step('c', () => b + 1);
  return c;
};

describe("a step's record, held until the run's next call or its end", () => {
  it('goes with the finish when the workflow returns right after the step', async () => {
    const { store, writes } = notingStore();
    const { engine } = makeEngine({ wf: threeSteps }, { store });
    await engine.start('w', 'wf', null);
    expect(await engine.result('w', { timeoutMs: 5000 })).toBe(3);
    expect(writes).toEqual(['step:a', 'step:b', 'finish+c']);
    const stored = await engine.get('w');
    expect(stored?.steps.map((step) => [step.id, step.result])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('is written alone, before the workflow goes on, on a store without finishTakesStep', async () => {
    const { store, writes } = notingStore(false);
    const { engine } = makeEngine({ wf: threeSteps }, { store });
    await engine.start('w', 'wf', null);
    expect(await engine.result('w', { timeoutMs: 5000 })).toBe(3);
    expect(writes).toEqual(['step:a', 'step:b', 'step:c', 'finish']);
  });

  it('is written at the end of the turn when the code awaits something of its own', async () => {
    const { store, writes } = notingStore();
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('a', () => 'charged');
          await paused;
          return 'done';
        },
      },
      { store },
    );
    await engine.start('w', 'wf', null);
    // Recorded while the code waits, not only when it returns.
    await eventually(
      async () => (await engine.get('w'))?.steps.length === 1,
      5000,
      'step a recorded while the code waits',
    );
    expect(writes).toEqual(['step:a']);
    resume();
    expect(await engine.result('w', { timeoutMs: 5000 })).toBe('done');
    expect(writes).toEqual(['step:a', 'finish']);
  });

  it('records both of two steps run together, the last with the finish', async () => {
    const { store, writes } = notingStore();
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          const [a, b] = await Promise.all([
            ctx.step('a', () => 1),
            ctx.step('b', async () => {
              await new Promise((resolve) => setTimeout(resolve, 20));
              return 2;
            }),
          ]);
          return a + b;
        },
      },
      { store },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.result('w', { timeoutMs: 5000 })).toBe(3);
    expect(writes).toEqual(['step:a', 'finish+b']);
    expect((await engine.get('w'))?.steps.map((step) => step.id)).toEqual([
      'a',
      'b',
    ]);
  });

  it("is written alone in a child, before the child's end reaches its parent", async () => {
    const { store, of } = notingStore();
    const { engine } = makeEngine(
      {
        kid: async (ctx) => ctx.step('work', () => 'done'),
        parent: async (ctx) => ctx.executeChild('kid', 'kid', null),
      },
      { store },
    );
    await engine.start('p', 'parent', null);
    expect(await engine.result('p', { timeoutMs: 5000 })).toBe('done');
    // The parent is told the child's result first: the step that made it is recorded before.
    expect(of('p/kid')).toEqual(['step:work', 'finish']);
  });

  it('is written before a failure, which is recorded after it', async () => {
    const { store, writes } = notingStore();
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('a', () => 1);
          throw new Error('declined');
        },
      },
      { store, maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'aborted',
      5000,
      'the workflow to abort',
    );
    expect(writes).toEqual(['step:a']);
    expect((await engine.get('w'))?.steps.map((step) => step.id)).toEqual([
      'a',
    ]);
  });

  it('is written alone when the store refuses the finish that carried it, and does not run again', async () => {
    // As MongoDB refuses a finish whose result and step would make the document too large.
    const { store: refusing, writes } = notingStore(
      true,
      () => new ValueNotStorableError('the workflow would be too large'),
    );
    let charges = 0;
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('charge', () => {
            charges += 1;
            return charges;
          });
          return 'receipt';
        },
      },
      { store: refusing },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'aborted',
      5000,
      'the workflow to abort',
    );
    expect(writes).toEqual(['finish+charge', 'step:charge']);
    expect((await engine.get('w'))?.steps.map((step) => step.id)).toEqual([
      'charge',
    ]);
    // Retried, the charge is replayed from its record, not made again.
    await engine.retry('w');
    await eventually(
      async () => writes.filter((w) => w.startsWith('finish')).length === 2,
      5000,
      'the retry to reach its finish',
    );
    expect(charges).toBe(1);
  });

  it('ends the workflow when the store refuses both the finish and the step written alone', async () => {
    const store = new MemoryStore();
    const refusing = Object.create(store) as Persistence;
    const refuse = () =>
      Promise.reject(new ValueNotStorableError('the workflow is too large'));
    Object.defineProperties(refusing, {
      finishTakesStep: { value: true },
      recordStep: { value: refuse },
      recordFinish: { value: refuse },
    });
    let charges = 0;
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('charge', () => (charges += 1));
          return 'receipt';
        },
      },
      { store: refusing, timeoutIntervalMs: 300 },
    );
    await engine.start('w', 'wf', null);
    await eventually(
      async () => (await engine.status('w')) === 'aborted',
      5000,
      'the workflow to abort',
    );
    // Not claimed again a lease later to charge again.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(charges).toBe(1);
    expect((await engine.get('w'))?.error?.name).toBe('ValueNotStorableError');
  });

  it('runs the step again on the next claim when the run stops before the finish is written', async () => {
    const store = new MemoryStore();
    let refuse = true;
    const refusing = Object.create(store) as Persistence;
    Object.defineProperty(refusing, 'recordFinish', {
      // The first finish is lost as a lease lost would be: nothing of it is written.
      value: (...args: Parameters<Persistence['recordFinish']>) => {
        if (!refuse) return store.recordFinish(...args);
        refuse = false;
        return Promise.resolve(false);
      },
    });
    let runs = 0;
    const { engine } = makeEngine(
      {
        wf: async (ctx) =>
          ctx.step('charge', () => {
            runs += 1;
            return runs;
          }),
      },
      { store: refusing, timeoutIntervalMs: 300 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.result('w', { timeoutMs: 10_000 })).toBe(2);
    expect(runs).toBe(2);
    expect((await engine.get('w'))?.steps.map((step) => step.result)).toEqual([
      2,
    ]);
  });
});
