import type { WorkflowContext } from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';

/** What the README's context table documents: everything a workflow's `ctx` may expose. */
const DOCUMENTED = [
  'executeChild',
  'now',
  'random',
  'signal',
  'sleep',
  'start',
  'startChild',
  'step',
  'uuid',
  'version',
  'waitForSignal',
  'workflowId',
  'workflowName',
];

/** Every member reachable on `value` by property access, own or inherited, below Object's own. */
function reachable(value: object): string[] {
  const names = new Set<string>();
  for (
    let layer: object | null = value;
    layer !== null && layer !== Object.prototype;
    layer = Object.getPrototypeOf(layer) as object | null
  ) {
    for (const key of Reflect.ownKeys(layer)) names.add(String(key));
  }
  return [...names].sort();
}

/** The workflow's `ctx` is a small public object: the run behind it stays out of reach. */
describe('the ctx a workflow receives', () => {
  it('exposes only the documented API, own or inherited, enumerable or not', async () => {
    const seen: Record<string, unknown> = {};
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        const loose = ctx as unknown as Record<string, unknown>;
        const enumerable: string[] = [];
        for (const key in ctx) enumerable.push(key);
        Object.assign(seen, {
          keys: Object.keys(ctx).sort(),
          enumerable: enumerable.sort(),
          reachable: reachable(ctx),
          prototype: Object.getPrototypeOf(ctx) === Object.prototype,
          constructor: ctx.constructor === Object,
          frozen: Object.isFrozen(ctx),
          internals: [
            'write',
            'halt',
            'loseLease',
            'lease',
            'run',
            'calls',
          ].filter((name) => loose[name] !== undefined),
          identity: [ctx.workflowId, ctx.workflowName],
        });
        return ctx.step('works', () => 'yes');
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(seen).toEqual({
      keys: DOCUMENTED,
      enumerable: DOCUMENTED,
      reachable: DOCUMENTED,
      prototype: true,
      constructor: true,
      frozen: true,
      internals: [],
      identity: ['w', 'wf'],
    });
    expect((await engine.get('w'))?.result).toBe('yes');
  });

  it('is a different object for each run, its methods usable detached', async () => {
    const contexts: WorkflowContext[] = [];
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        contexts.push(ctx);
        const { step, sleep } = ctx;
        await sleep('nap', 1);
        return step('detached', () => ctx.workflowId);
      },
    });
    await engine.start('a', 'wf', null);
    await engine.start('b', 'wf', null);
    expect(await engine.wait('a', { timeoutMs: 5000 })).toBe('finished');
    expect(await engine.wait('b', { timeoutMs: 5000 })).toBe('finished');
    expect(contexts[0]).not.toBe(contexts[1]);
    expect((await engine.get('b'))?.result).toBe('b');
  });
});
