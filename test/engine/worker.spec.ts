import { gate, makeEngine, ManualClock } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { messages } from '../../lib/lidex.messages';

describe('worker', () => {
  it('begins a workflow started in this process at once, without waiting for a poll', async () => {
    const { engine } = makeEngine(
      { wf: () => Promise.resolve('done') },
      { pollIntervalMs: 60_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the first poll find nothing
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 1000 })).toBe('finished');
  });

  it('runs no more workflows at once than its concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const { engine } = makeEngine(
      {
        wf: async (ctx) =>
          ctx.step('work', async () => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 30));
            inFlight--;
          }),
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 8; i++) await engine.start(`w${i}`, 'wf', null);
    for (let i = 0; i < 8; i++)
      expect(await engine.wait(`w${i}`, { timeoutMs: 5000 })).toBe('finished');
    expect(peak).toBe(2);
  });

  it('fences out a worker that lost its lease: its late writes do not land and its run stops', async () => {
    const clock = new ManualClock();
    const journal: string[] = [];
    const held = gate();
    const slow = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('one', async () => {
            journal.push('slow:one');
            await held.promise;
          });
          await ctx.step('two', () => journal.push('slow:two'));
          return 'slow';
        },
      },
      { now: clock.now },
    );
    await slow.engine.start('w', 'wf', null);
    await eventually(() => journal.includes('slow:one'));

    // The slow worker goes silent past its lease; another instance takes over and finishes.
    clock.advance(61_000);
    const other = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('one', () => journal.push('other:one'));
          await ctx.step('two', () => journal.push('other:two'));
          return 'other';
        },
      },
      { now: clock.now, store: slow.store },
    );
    expect(await other.engine.wait('w', { timeoutMs: 5000 })).toBe('finished');

    held.open();
    await eventually(() =>
      slow.logger.has(messages.leaseLost('w', 'finished')),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(journal).toEqual(['slow:one', 'other:one', 'other:two']);
    const info = await other.engine.get('w');
    expect(info?.result).toBe('other');
    expect(info?.steps.map((s) => s.id)).toEqual(['one', 'two']);

    // The fenced worker carries on with other work.
    await slow.engine.start('next', 'wf', null);
    held.open();
    expect(await slow.engine.wait('next', { timeoutMs: 5000 })).toBe(
      'finished',
    );
  });

  it('renews the lease of a long step so no other instance steals it', async () => {
    const journal: string[] = [];
    const handlers = {
      wf: async (ctx: import('@lidex/nestjs').WorkflowContext) =>
        ctx.step('long', async () => {
          journal.push('long');
          await new Promise((resolve) => setTimeout(resolve, 1500));
          return 'ok';
        }),
    };
    const owner = makeEngine(handlers, { timeoutIntervalMs: 450 });
    makeEngine(handlers, { timeoutIntervalMs: 450, store: owner.store });
    await owner.engine.start('w', 'wf', null);
    expect(await owner.engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(journal).toEqual(['long']);
  });

  it('on stop, lets a running workflow reach its next durable point and hands it back', async () => {
    const journal: string[] = [];
    const held = gate();
    const handlers = {
      wf: async (ctx: import('@lidex/nestjs').WorkflowContext) => {
        await ctx.step('one', async () => {
          journal.push('one');
          await held.promise;
        });
        await ctx.step('two', () => journal.push('two'));
        return 'done';
      },
    };
    const first = makeEngine(handlers);
    await first.engine.start('w', 'wf', null);
    await eventually(() => journal.includes('one'));
    const stopping = first.engine.stopWorker();
    held.open();
    await stopping;

    const handedBack = await first.engine.get('w');
    expect(handedBack?.status).toBe('running');
    expect(handedBack?.steps.map((s) => s.id)).toEqual(['one']);
    expect(handedBack?.readyAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(journal).toEqual(['one']);

    const second = makeEngine(handlers, { store: first.store });
    expect(await second.engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(journal).toEqual(['one', 'two']);
  });

  it('a second stop waits for the same drain as the first', async () => {
    const held = gate();
    const { engine } = makeEngine({
      wf: async (ctx) => {
        await ctx.step('one', () => held.promise);
        await ctx.step('two', () => 2);
      },
    });
    await engine.start('w', 'wf', null);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const first = engine.stopWorker();
    let secondDone = false;
    const second = engine.stopWorker().then(() => (secondDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(secondDone).toBe(false);
    held.open();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
  });

  it('hands back, unrun, a workflow whose start was under way when the worker stopped', async () => {
    const ran: string[] = [];
    const { engine, store } = makeEngine({
      wf: async (ctx) => {
        await ctx.step('one', () => ran.push(ctx.workflowId));
      },
    });
    const starting = engine.start('late', 'wf', null);
    const stopping = engine.stopWorker();
    expect(await starting).toBe(true);
    await stopping;
    const late = await store.getWorkflow('late');
    expect(late).toMatchObject({ status: 'running', steps: [] });
    expect(late?.leaseToken).toBeUndefined();
    expect(late?.readyAt).toBeLessThanOrEqual(Date.now());
    expect(ran).toEqual([]);
  });

  it('stops within the grace period even when a start under way never gets its answer', async () => {
    const { engine, store } = makeEngine(
      { wf: () => Promise.resolve() },
      { shutdownGraceMs: 200 },
    );
    store.insertWorkflow = () => new Promise(() => undefined);
    void engine.start('hanging', 'wf', null);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await engine.stopWorker();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops within the grace period even when a step never returns', async () => {
    const { engine, logger } = makeEngine(
      { wf: (ctx) => ctx.step('forever', () => new Promise(() => undefined)) },
      { shutdownGraceMs: 100 },
    );
    await engine.start('w', 'wf', null);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await engine.stopWorker();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logger.has(messages.drainTimedOut(['w']))).toBe(true);
  });

  it('keeps polling through store errors, and runs the work once the store answers', async () => {
    const { store, engine, logger } = makeEngine(
      { wf: () => Promise.resolve('ok') },
      { worker: false },
    );
    await engine.start('w', 'wf', null);
    const claim = store.claimReady.bind(store);
    let failures = 3;
    store.claimReady = (now, leases) =>
      failures-- > 0
        ? Promise.reject(new Error('connection reset'))
        : claim(now, leases);
    engine.startWorker();
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    expect(
      logger.lines.filter((l) => l.message.includes('connection reset')),
    ).toHaveLength(3);
  });

  it('releases, without failing it, a workflow this instance has no handler for', async () => {
    const { engine, logger, store } = makeEngine(
      { known: () => Promise.resolve(1) },
      { retryIntervalMs: 60_000 },
    );
    await store.insertWorkflow({
      id: 'w',
      name: 'from-a-newer-version',
      input: 'null',
      now: Date.now(),
    });
    await eventually(() => logger.has('does not know'));
    const info = await engine.get('w');
    expect(info).toMatchObject({ status: 'running', failures: 0 });
    expect(info?.readyAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });
});
