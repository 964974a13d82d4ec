import {
  defineWorkflow,
  InvalidArgumentError,
  LidexEngine,
  MemoryStore,
  UnknownWorkflowError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

const Double = defineWorkflow<number, number>('double');
const Parent = defineWorkflow<void, { first: boolean; again: boolean }>(
  'parent',
);

describe('workflow references', () => {
  it('are frozen objects holding only the name', () => {
    expect(Double).toEqual({ name: 'double' });
    expect(Object.keys(Double)).toEqual(['name']);
    expect(Object.isFrozen(Double)).toBe(true);
  });

  it('refuse an empty or blank name when defined', () => {
    expect(() => defineWorkflow('')).toThrow(
      new InvalidArgumentError(messages.invalidId('A workflow name', '')),
    );
    expect(() => defineWorkflow(' ')).toThrow(
      new InvalidArgumentError(messages.blankId('A workflow name', ' ')),
    );
  });

  it('start, get and wait by reference, as by name', async () => {
    const { engine } = makeEngine({
      double: (_ctx, input: number) => Promise.resolve(input * 2),
    });
    expect(await engine.start('w', Double, 21)).toBe(true);
    expect(await engine.start('w', 'double', 1)).toBe(false);
    const info = await engine.wait('w', Double, { timeoutMs: 5000 });
    expect(info).toMatchObject({ status: 'finished', input: 21, result: 42 });
    expect((await engine.get('w', Double))?.result).toBe(42);
    expect(await engine.wait('nobody', Double, { timeoutMs: 30 })).toBe(
      undefined,
    );
  });

  it('start children by reference from a workflow (ctx.start)', async () => {
    const { engine } = makeEngine({
      parent: async (ctx: WorkflowContext) => ({
        first: await ctx.start('child', Double, 2),
        again: await ctx.start('child', Double, 3),
      }),
      double: (_ctx, input: number) => Promise.resolve(input * 2),
    });
    await engine.start('p', Parent);
    expect(
      (await engine.wait('p', Parent, { timeoutMs: 5000 }))?.result,
    ).toEqual({ first: true, again: false });
    expect(
      (await engine.wait('child', Double, { timeoutMs: 5000 }))?.result,
    ).toBe(4);
  });

  it('a running engine refuses a reference it has no handler for; nothing is stored', async () => {
    const { engine } = makeEngine({ parent: () => Promise.resolve() });
    await expect(engine.start('w', Double, 1)).rejects.toThrow(
      new UnknownWorkflowError('double', ['parent']),
    );
    expect(await engine.get('w')).toBeUndefined();
  });

  it('a clientOnly engine stores any well-formed name, for the instances that run it', async () => {
    const store = new MemoryStore();
    const client = new LidexEngine({ store, clientOnly: true });
    expect(await client.start('w', Double, 21)).toBe(true);
    expect(await client.start('v', 'deployed-tomorrow', null)).toBe(true);
    await expect(client.start('x', '', null)).rejects.toThrow(
      new InvalidArgumentError(messages.invalidId('A workflow name', '')),
    );
    expect(await client.status('w')).toBe('idle');

    // The worker leaves 'deployed-tomorrow' alone for a minute (it has no handler for it).
    makeEngine(
      { double: (_ctx, input: number) => Promise.resolve(input * 2) },
      { store, retryIntervalMs: 60_000 },
    );
    expect((await client.wait('w', Double, { timeoutMs: 5000 }))?.result).toBe(
      42,
    );
  });

  it('refuse what is neither a name nor a reference (from JavaScript), naming the call', async () => {
    const { engine } = makeEngine({ double: () => Promise.resolve(0) });
    const notARef = { title: 'double' } as never;
    await expect(engine.start('w', notARef, 1)).rejects.toThrow(
      new InvalidArgumentError(
        messages.invalidWorkflowRef('start()', { title: 'double' }),
      ),
    );
    await expect(engine.get('w', notARef)).rejects.toThrow(
      new InvalidArgumentError(
        messages.invalidWorkflowRef('get()', { title: 'double' }),
      ),
    );
  });

  it('get and wait refuse the reference of another workflow, naming both', async () => {
    const { engine } = makeEngine({
      double: (_ctx, input: number) => Promise.resolve(input * 2),
      parent: () => Promise.resolve({ first: false, again: false }),
    });
    await engine.start('w', Double, 1);
    const mismatch = (call: string) =>
      new InvalidArgumentError(
        messages.workflowRefMismatch(call, 'w', 'double', 'parent'),
      );
    await expect(engine.get('w', Parent)).rejects.toThrow(mismatch('get()'));
    await expect(engine.wait('w', Parent)).rejects.toThrow(mismatch('wait()'));
  });
});
