import {
  InvalidArgumentError,
  MemoryStore,
  WorkflowNotFoundError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { makeEngine, ManualClock } from '../support/engine-harness';
import { eventually } from '../support/eventually';

const HOUR = 60 * 60 * 1000;

const waitingFor = (
  engine: ReturnType<typeof makeEngine>['engine'],
  id: string,
) =>
  eventually(async () => {
    const info = await engine.get(id);
    return info?.waitingFor ? info : undefined;
  });

describe('signals', () => {
  it('waits for a signal without holding a lease, and resumes with its payload', async () => {
    const ran: string[] = [];
    const { engine, store } = makeEngine({
      wf: async (ctx: WorkflowContext) => {
        await ctx.step('before', () => ran.push('before'));
        const paid = await ctx.waitForSignal<{ amount: number }>(
          'paid',
          'payment',
        );
        await ctx.step('after', () => ran.push('after'));
        return paid;
      },
    });
    await engine.start('w', 'wf', null);
    const waiting = await waitingFor(engine, 'w');
    expect(waiting.waitingFor).toEqual({ kind: 'signal', name: 'payment' });
    expect(waiting.readyAt).toBeUndefined();
    expect((await store.getWorkflow('w'))?.leaseToken).toBeUndefined();

    expect(
      await engine.signal('w', 'payment', { amount: 5, at: new Date(0) }),
    ).toBe(true);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    const info = await engine.get('w');
    expect(info?.result).toEqual({ amount: 5, at: new Date(0) });
    expect(ran).toEqual(['before', 'after']);
    expect(info?.signals).toMatchObject([
      { seq: 1, name: 'payment', payload: { amount: 5 }, consumedBy: 'paid' },
    ]);
    expect(info?.steps.map((step) => [step.kind, step.id])).toEqual([
      ['step', 'before'],
      ['signal', 'paid'],
      ['step', 'after'],
    ]);
    expect(info?.steps[1]).toMatchObject({
      result: { amount: 5 },
      signal: { name: 'payment', seq: 1 },
    });
  });

  it('keeps a signal sent before the wait, and consumes one name in order, each once', async () => {
    const { engine } = makeEngine(
      {
        wf: async (ctx: WorkflowContext) => {
          await ctx.sleep('late', 1);
          const a = await ctx.waitForSignal('a', 'item');
          const other = await ctx.waitForSignal('o', 'other');
          const b = await ctx.waitForSignal('b', 'item');
          const c = await ctx.waitForSignal('c', 'item');
          return [a, b, c, other];
        },
      },
      { worker: false },
    );
    await engine.start('w', 'wf', null);
    await engine.signal('w', 'item', 1);
    await engine.signal('w', 'other', 'x');
    await engine.signal('w', 'item', 2);
    engine.startWorker();
    await waitingFor(engine, 'w');
    await engine.signal('w', 'item', 3);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect((await engine.get('w'))?.result).toEqual([1, 2, 3, 'x']);
  });

  it('stores a repeated signalId once', async () => {
    const { engine } = makeEngine({
      wf: async (ctx: WorkflowContext) => [
        await ctx.waitForSignal('one', 'tick'),
        await ctx.waitForSignal('two', 'tick', { timeoutMs: 200 }),
      ],
    });
    await engine.start('w', 'wf', null);
    expect(
      await engine.signal('w', 'tick', 'first', { signalId: 'hook-1' }),
    ).toBe(true);
    expect(
      await engine.signal('w', 'tick', 'again', { signalId: 'hook-1' }),
    ).toBe(true);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    const info = await engine.get('w');
    expect(info?.result).toEqual(['first', null]);
    expect(info?.signals).toHaveLength(1);
  });

  it('answers false for an ended workflow and throws WorkflowNotFoundError for an unknown one', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve('done') });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(await engine.signal('w', 'late', 1)).toBe(false);
    await expect(engine.signal('nope', 'x', 1)).rejects.toThrow(
      WorkflowNotFoundError,
    );
    await expect(engine.signal('w', '', 1)).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(engine.signal('w', 'lidex:child:x', 1)).rejects.toThrow(
      /starting with "lidex:"/,
    );
    await expect(engine.signal('w', 'x', (() => 1) as never)).rejects.toThrow(
      /cannot be stored|not storable|function/i,
    );
  });

  it('times out on the clock: a 3-day wait resolves null at 3 days, not before', async () => {
    const clock = new ManualClock();
    const { engine } = makeEngine(
      {
        wf: async (ctx: WorkflowContext) =>
          ctx.waitForSignal('confirm', 'confirmed', { timeoutMs: 72 * HOUR }),
      },
      { now: clock.now },
    );
    const start = clock.time;
    await engine.start('w', 'wf', null);
    const waiting = await waitingFor(engine, 'w');
    expect(waiting.readyAt?.getTime()).toBe(start + 72 * HOUR);
    expect(waiting.waitingFor).toEqual({
      kind: 'signal',
      name: 'confirmed',
      until: new Date(start + 72 * HOUR),
    });
    // A signal of another name wakes it; the timeout stays where it was.
    clock.advance(HOUR);
    await engine.signal('w', 'unrelated', 1);
    await eventually(async () => {
      const info = await engine.get('w');
      return info?.waitingFor && info.attempts === 2 ? info : undefined;
    });
    expect((await engine.get('w'))?.readyAt?.getTime()).toBe(start + 72 * HOUR);
    clock.advance(71 * HOUR - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await engine.status('w')).toBe('running');
    clock.advance(1);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect((await engine.get('w'))?.result).toBeNull();
  });

  it('sends from a workflow as a recorded step: a replay sends nothing again', async () => {
    const store = new MemoryStore();
    let crash = true;
    const { engine } = makeEngine(
      {
        receiver: async (ctx: WorkflowContext) => [
          await ctx.waitForSignal('first', 'note'),
          await ctx.waitForSignal('second', 'note', { timeoutMs: 300 }),
        ],
        sender: async (ctx: WorkflowContext) => {
          const sent = await ctx.signal('tell', 'r', 'note', {
            from: ctx.workflowId,
          });
          if (crash) {
            crash = false;
            throw new Error('crash after sending');
          }
          return sent;
        },
        lost: (ctx: WorkflowContext) => ctx.signal('tell', 'nobody', 'note', 1),
      },
      { store },
    );
    await engine.start('r', 'receiver', null);
    await engine.start('s', 'sender', null);
    expect(await engine.wait('s', { timeoutMs: 5000 })).toBe('finished');
    expect(await engine.wait('r', { timeoutMs: 5000 })).toBe('finished');
    expect((await engine.get('r'))?.result).toEqual([{ from: 's' }, null]);
    expect((await engine.get('s'))?.steps).toMatchObject([
      {
        kind: 'signal',
        id: 'tell',
        result: true,
        signal: { name: 'note', workflowId: 'r' },
      },
    ]);
    await engine.start('l', 'lost', null);
    expect(await engine.wait('l', { timeoutMs: 5000 })).toBe('aborted');
    expect((await engine.get('l'))?.error?.name).toBe('WorkflowNotFoundError');
  });

  it('lists the waiting workflows', async () => {
    const { engine } = makeEngine({
      waits: (ctx: WorkflowContext) => ctx.waitForSignal('w', 'go'),
      sleeps: (ctx: WorkflowContext) => ctx.sleep('nap', HOUR),
    });
    await engine.start('a', 'waits', null);
    await engine.start('b', 'sleeps', null);
    await waitingFor(engine, 'a');
    const page = await engine.list({ waiting: 'signal' });
    expect(page.workflows.map((w) => [w.id, w.waitingFor])).toEqual([
      ['a', { kind: 'signal', name: 'go' }],
    ]);
    expect((await engine.list({ waiting: 'child' })).workflows).toEqual([]);
    await expect(engine.list({ waiting: 'x' as 'child' })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('refuses a wait id twice in one run, a reserved id and a bad timeout', async () => {
    const { engine } = makeEngine({
      twice: async (ctx: WorkflowContext) => {
        await ctx.signal('x', 'twice', 'n', 1);
        await ctx.waitForSignal('x', 'n');
        return ctx.waitForSignal('x', 'n');
      },
      reserved: (ctx: WorkflowContext) =>
        ctx.waitForSignal('lidex:until:x', 'n'),
      timeout: (ctx: WorkflowContext) =>
        ctx.waitForSignal('t', 'n', { timeoutMs: -1 }),
    });
    for (const name of ['twice', 'reserved', 'timeout']) {
      await engine.start(name, name, null);
    }
    for (const name of ['twice', 'reserved', 'timeout']) {
      expect(await engine.wait(name, { timeoutMs: 5000 })).toBe('aborted');
    }
    expect((await engine.get('twice'))?.error?.message).toMatch(
      /waitForSignal id "x" twice/,
    );
    expect((await engine.get('reserved'))?.error?.message).toMatch(
      /Lidex's own/,
    );
    expect((await engine.get('timeout'))?.error?.message).toMatch(/timeoutMs/);
  });
});
