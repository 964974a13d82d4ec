import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  LIDEX_CHANNELS,
  type LidexEvent,
  type WorkflowContext,
} from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';

/** Collects the engine's events until the test ends. */
function collect(engine: ReturnType<typeof makeEngine>['engine']) {
  const events: LidexEvent[] = [];
  const stop = engine.events.subscribe((event) => events.push(event));
  return { events, stop };
}

/** Resolves once an event of `type` has been seen (within 10 s). */
async function until(events: LidexEvent[], type: LidexEvent['type']) {
  for (let i = 0; i < 1000 && !events.some((e) => e.type === type); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

const shape = (events: LidexEvent[], id: string) =>
  events
    .filter((e) => e.workflowId === id)
    .map((e) => ('stepId' in e ? `${e.type} ${e.stepId}` : e.type));

describe('lifecycle events', () => {
  it('tells every stage of a run, with ids, times and attempts, and no payload', async () => {
    let calls = 0;
    const { engine } = makeEngine(
      {
        pay: async (ctx: WorkflowContext, input: { card: string }) => {
          await ctx.step(
            'charge',
            () => {
              if (++calls === 1) throw new Error('declined once');
              return { charged: input.card };
            },
            { retry: { attempts: 2, initialIntervalMs: 1 } },
          );
          await ctx.sleep('cool-off', 1);
          const ok = await ctx.waitForSignal<boolean>('ok', 'approve');
          return { ok };
        },
      },
      { sleepInMemoryMaxMs: 5000 },
    );
    const { events, stop } = collect(engine);
    await engine.start('p1', 'pay', { card: '4242' });
    await until(events, 'waiting');
    expect(await engine.signal('p1', 'approve', true)).toBe(true);
    expect(await engine.wait('p1', { timeoutMs: 5000 })).toBe('finished');
    stop();

    expect(shape(events, 'p1')).toEqual([
      'started',
      'claimed',
      'step-failed charge',
      'step-retried charge',
      'step-recorded charge',
      'slept cool-off',
      'waiting ok',
      'signalled',
      'claimed',
      'finished',
    ]);
    for (const event of events) {
      expect(event).toMatchObject(
        event.type === 'signalled'
          ? { workflowId: 'p1' }
          : { workflowId: 'p1', workflowName: 'pay' },
      );
      expect(typeof event.at).toBe('number');
      expect(event).not.toHaveProperty('payload');
    }
    const byType = (type: string) => events.find((e) => e.type === type)!;
    expect(byType('step-failed')).toMatchObject({
      stepId: 'charge',
      attempt: 1,
      error: { message: 'declined once' },
    });
    expect(byType('step-failed')).toHaveProperty('retryAt');
    expect(byType('step-retried')).toMatchObject({ attempt: 2 });
    const recorded = byType('step-recorded');
    expect(recorded).toMatchObject({ stepId: 'charge', attempt: 2 });
    expect(
      recorded.type === 'step-recorded' && recorded.durationMs,
    ).toBeGreaterThanOrEqual(0);
    expect(byType('waiting')).toMatchObject({ signal: 'approve' });
    expect(byType('signalled')).toMatchObject({ signal: 'approve' });
    expect(byType('finished')).toHaveProperty('durationMs');
    expect(JSON.stringify(events)).not.toContain('4242');
  });

  it('carries inputs, results and signal payloads when eventPayloads is on', async () => {
    const { engine } = makeEngine(
      {
        wf: async (ctx: WorkflowContext, input: number) =>
          ctx.step('double', () => input * 2),
      },
      { observability: { eventPayloads: true } },
    );
    const { events, stop } = collect(engine);
    await engine.start('w', 'wf', 21);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    stop();
    const find = (type: string) => events.find((e) => e.type === type);
    expect(find('started')).toMatchObject({ payload: 21 });
    expect(find('step-recorded')).toMatchObject({ payload: 42 });
    expect(find('finished')).toMatchObject({ payload: 42 });
  });

  it('tells failed (with the failures so far), aborted and cancelled workflows', async () => {
    const { engine } = makeEngine(
      {
        flaky: () => {
          throw new Error('boom');
        },
        parked: (ctx: WorkflowContext) => ctx.sleep('long', 60 * 60 * 1000),
      },
      { maxFailures: 2, retryIntervalMs: 1 },
    );
    const { events, stop } = collect(engine);
    await engine.start('f', 'flaky', null);
    await engine.start('c', 'parked', null);
    expect(await engine.wait('f', { timeoutMs: 5000 })).toBe('aborted');
    await until(events, 'slept');
    expect(await engine.cancel('c')).toBe(true);
    stop();
    expect(shape(events, 'f')).toEqual([
      'started',
      'claimed',
      'failed',
      'claimed',
      'aborted',
    ]);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({
      failures: 1,
      error: { message: 'boom' },
    });
    expect(shape(events, 'c')).toEqual([
      'started',
      'claimed',
      'slept long',
      'cancelled',
    ]);
  });

  it('tells a terminated workflow as cancelled, marked terminated, on the stream and its channel', async () => {
    const { engine } = makeEngine({
      parked: (ctx: WorkflowContext) => ctx.sleep('long', 60 * 60 * 1000),
    });
    const { events, stop } = collect(engine);
    const heard: unknown[] = [];
    const listener = (message: unknown) => heard.push(message);
    subscribe(LIDEX_CHANNELS.cancelled, listener);
    try {
      await engine.start('t', 'parked', null);
      await until(events, 'slept');
      expect(await engine.terminate('t')).toBe(true);
    } finally {
      stop();
      unsubscribe(LIDEX_CHANNELS.cancelled, listener);
    }
    expect(shape(events, 't')).toEqual([
      'started',
      'claimed',
      'slept long',
      'cancelled',
    ]);
    expect(events.find((e) => e.type === 'cancelled')).toMatchObject({
      workflowId: 't',
      terminated: true,
    });
    expect(heard).toEqual([
      expect.objectContaining({ workflowId: 't', terminated: true }),
    ]);
  });

  it('tells each compensation that ran, with its step', async () => {
    const { engine } = makeEngine(
      {
        order: async (ctx: WorkflowContext) => {
          await ctx.step('reserve', () => 'seat-1', {
            compensate: () => undefined,
          });
          throw new Error('out of stock');
        },
      },
      { maxFailures: 1 },
    );
    const { events, stop } = collect(engine);
    await engine.start('o', 'order', null);
    await until(events, 'compensated');
    stop();
    expect(events.find((e) => e.type === 'compensated')).toMatchObject({
      workflowId: 'o',
      workflowName: 'order',
      stepId: 'reserve',
    });
  });

  it('publishes on node:diagnostics_channel channels named lidex:<event>', async () => {
    expect(LIDEX_CHANNELS.started).toBe('lidex:workflow:started');
    expect(LIDEX_CHANNELS['step-recorded']).toBe('lidex:step:recorded');
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe(LIDEX_CHANNELS.finished, listener);
    subscribe(LIDEX_CHANNELS['step-recorded'], listener);
    try {
      const { engine } = makeEngine({
        wf: (ctx: WorkflowContext) => ctx.step('one', () => 1),
      });
      await engine.start('d', 'wf', null);
      expect(await engine.wait('d', { timeoutMs: 5000 })).toBe('finished');
    } finally {
      unsubscribe(LIDEX_CHANNELS.finished, listener);
      unsubscribe(LIDEX_CHANNELS['step-recorded'], listener);
    }
    expect(seen).toMatchObject([
      { type: 'step-recorded', workflowId: 'd', stepId: 'one' },
      { type: 'finished', workflowId: 'd' },
    ]);
  });
});

describe('observability options', () => {
  it('refuses a misspelt key or a wrong value, naming the option', () => {
    expect(() =>
      makeEngine({}, { observability: { eventPayload: true } as never }),
    ).toThrow(/observability\.eventPayload.*eventPayloads, tracing/s);
    expect(() =>
      makeEngine({}, { observability: { tracing: 'yes' as never } }),
    ).toThrow(/observability\.tracing.*true, false or 'auto'/s);
  });
});
