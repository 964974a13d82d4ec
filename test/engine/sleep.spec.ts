import {
  LidexEngine,
  MemoryStore,
  systemClock,
  type Clock,
  type WorkflowContext,
} from '@lidex/nestjs';
import { makeEngine, ManualClock } from '../support/engine-harness';
import { eventually } from '../support/eventually';

const DAY = 24 * 60 * 60 * 1000;

describe('sleep', () => {
  it('sleeps a short while in memory and goes on no earlier than the stored wake-up time', async () => {
    const { engine } = makeEngine({
      wf: async (ctx) => {
        await ctx.sleep('pause', 50);
        return 'awake';
      },
    });
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    const info = await engine.get('w');
    const sleep = info!.steps[0];
    expect(sleep).toMatchObject({ kind: 'sleep', id: 'pause' });
    expect(sleep.wakeAt!.getTime() - sleep.recordedAt.getTime()).toBe(50);
    expect(info!.updatedAt.getTime()).toBeGreaterThanOrEqual(
      sleep.wakeAt!.getTime(),
    );
    expect(info!.result).toBe('awake');
  });

  it('sleeps on in memory when its timer fires a little before the wall clock reaches the wake-up time', async () => {
    // The system clock fires a timer once less than 1 ms is left on the monotonic clock, and
    // the wall clock can lag the monotonic one: here every timer fires 2 ms early.
    const early: Clock = {
      now: () => Date.now(),
      monotonic: systemClock.monotonic,
      setTimer: (ms, fire, options) =>
        systemClock.setTimer(Math.max(0, ms - 2), fire, options),
    };
    const engine = new LidexEngine({
      store: new MemoryStore(),
      clock: early,
      pollIntervalMs: 60_000,
      handlers: {
        wf: async (ctx: WorkflowContext) => {
          await ctx.sleep('pause', 50);
          return 'awake';
        },
      },
    });
    engine.startWorker();
    const claims: string[] = [];
    const stop = engine.events.subscribe((event) => {
      if (event.type === 'claimed') claims.push(event.workflowId);
    });
    try {
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
      // Slept on in memory: not released to the store and claimed again.
      expect(claims).toEqual(['w']);
      const info = await engine.get('w');
      expect(info!.updatedAt.getTime()).toBeGreaterThanOrEqual(
        info!.steps[0].wakeAt!.getTime(),
      );
    } finally {
      stop();
      await engine.stopWorker();
    }
  });

  it('releases a workflow sleeping 30 days (past the timer limit) and wakes it on time', async () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    const { engine } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('before', () => ran.push('before'));
          await ctx.sleep('month', 30 * DAY);
          await ctx.step('after', () => ran.push('after'));
          return 'woke';
        },
      },
      { now: clock.now },
    );
    const start = clock.time;
    await engine.start('w', 'wf', null);
    const asleep = await eventually(async () => {
      const info = await engine.get('w');
      return info?.steps.length === 2 ? info : undefined;
    });
    expect(asleep.status).toBe('running');
    expect(asleep.readyAt?.getTime()).toBe(start + 30 * DAY);
    expect(asleep.steps[1].wakeAt?.getTime()).toBe(start + 30 * DAY);

    clock.advance(30 * DAY - 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await engine.status('w')).toBe('running');
    expect(ran).toEqual(['before']);

    clock.advance(1);
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(ran).toEqual(['before', 'after']);
  });

  it('keeps the stored wake-up time across a restart, neither shortening nor restarting the sleep', async () => {
    const clock = new ManualClock();
    const handlers = {
      wf: async (ctx: import('@lidex/nestjs').WorkflowContext) => {
        await ctx.sleep('hour', 60 * 60 * 1000);
        return 'done';
      },
    };
    const first = makeEngine(handlers, { now: clock.now });
    await first.engine.start('w', 'wf', null);
    await eventually(
      async () => (await first.engine.get('w'))?.steps.length === 1,
    );
    await first.engine.stopWorker();

    clock.advance(59 * 60 * 1000);
    const second = makeEngine(handlers, { now: clock.now, store: first.store });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await second.engine.status('w')).toBe('running');
    clock.advance(60 * 1000);
    expect(await second.engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
  });

  it('holds no timers for workflows that are asleep', async () => {
    const { engine } = makeEngine(
      { wf: async (ctx) => ctx.sleep('long', DAY) },
      { concurrency: 50 },
    );
    const timers = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    for (let i = 0; i < 500; i++) await engine.start(`w${i}`, 'wf', null);
    await eventually(
      async () => (await engine.get('w499'))?.steps.length === 1,
    );
    await eventually(async () => {
      const infos = await Promise.all(
        Array.from({ length: 500 }, (_, i) => engine.get(`w${i}`)),
      );
      return infos.every((info) => info?.steps.length === 1);
    });
    expect(timers() - before).toBeLessThan(5);
  });

  it('rejects a negative or non-numeric duration', async () => {
    const { engine } = makeEngine(
      { wf: async (ctx) => ctx.sleep('bad', Number.NaN) },
      { maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    await engine.wait('w', { timeoutMs: 5000 });
    expect((await engine.get('w'))?.error?.message).toContain(
      'needs a finite number of milliseconds >= 0, got NaN',
    );
  });
});
