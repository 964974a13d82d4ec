import { makeEngine } from '../support/engine-harness';

describe('failures', () => {
  it('stores the message and stack, retries, and aborts at maxFailures', async () => {
    let attempts = 0;
    const { engine } = makeEngine(
      {
        wf: async () => {
          attempts++;
          throw new TypeError(`card declined (attempt ${attempts})`);
        },
      },
      { maxFailures: 3 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('w');
    expect(attempts).toBe(3);
    expect(info?.failures).toBe(3);
    expect(info?.error).toEqual({
      name: 'TypeError',
      message: 'card declined (attempt 3)',
      stack: expect.stringContaining('TypeError: card declined (attempt 3)'),
    });
    expect(info?.readyAt).toBeUndefined();
  });

  it('waits retryIntervalMs before trying again', async () => {
    let attempts = 0;
    const { engine } = makeEngine(
      {
        wf: async () => {
          attempts++;
          throw new Error('down');
        },
      },
      { retryIntervalMs: 60_000 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', ['failed'], 100, 10)).toBe('failed');
    const info = await engine.get('w');
    expect(info?.readyAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(attempts).toBe(1);
  });

  it('succeeds on a retry after a failure, keeping the recorded steps', async () => {
    const charges: number[] = [];
    let attempts = 0;
    const { engine } = makeEngine({
      wf: async (ctx) => {
        attempts++;
        const charge = await ctx.step('charge', () => {
          charges.push(attempts);
          return 100;
        });
        if (attempts < 3) throw new Error('mail server down');
        return charge;
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(charges).toEqual([1]);
    expect(await engine.get('w')).toMatchObject({
      result: 100,
      failures: 2,
      status: 'finished',
    });
  });

  it.each([
    ['a string', 'plain string', 'plain string'],
    [
      'an object',
      { code: 42 },
      'The workflow threw a non-Error value: { code: 42 }',
    ],
    ['undefined', undefined, 'The workflow threw a non-Error value: undefined'],
  ])(
    'records %s thrown by a workflow as a readable error',
    async (_label, thrown, message) => {
      const { engine } = makeEngine(
        {
          wf: async () => {
            await Promise.resolve();
            throw thrown;
          },
        },
        { maxFailures: 1 },
      );
      await engine.start('w', 'wf', null);
      await engine.wait('w', { timeoutMs: 5000 });
      expect((await engine.get('w'))?.error?.message).toBe(message);
    },
  );

  it('fails a workflow whose result cannot be stored', async () => {
    const { engine } = makeEngine(
      { wf: () => Promise.resolve(() => 1) },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('aborted');
    expect((await engine.get('w'))?.error?.message).toContain(
      'cannot store the result of workflow "w": value is a function',
    );
  });
});
