import { gate, makeEngine, ManualClock } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { messages } from '../../lib/lidex.messages';

/**
 * When a run's write is refused, the log says what the store shows happened, not a guess:
 * "another instance took it over" was printed even by a lone engine that had re-claimed its own
 * workflow after a slow write let its lease run out.
 */
describe('a run that lost its lease says why', () => {
  it('a lone engine whose step outlasted its lease, and which claimed the workflow again itself', async () => {
    const clock = new ManualClock();
    const held = gate();
    let runs = 0;
    const { engine, logger } = makeEngine(
      {
        wf: async (ctx) => {
          const run = ++runs;
          await ctx.step('slow', async () => {
            if (run === 1) await held.promise;
            return run;
          });
          return run;
        },
      },
      { now: clock.now },
    );
    await engine.start('w', 'wf', null);
    await eventually(() => runs === 1);
    clock.advance(61_000); // the first run's lease runs out; this same engine claims it again
    expect(await engine.wait('w', { timeoutMs: 5000 })).toBe('finished');
    held.open();
    await eventually(() => logger.has(messages.leaseLost('w', 'finished')));
    expect(logger.has('another instance took it over')).toBe(false);
  });

  it('a run whose workflow another claim holds now', async () => {
    const clock = new ManualClock();
    const first = gate();
    const second = gate();
    const entered: string[] = [];
    const handler =
      (who: string, wait: Promise<void>) =>
      async (ctx: import('@lidex/nestjs').WorkflowContext) => {
        await ctx.step('one', async () => {
          entered.push(who);
          await wait;
        });
      };
    const slow = makeEngine(
      { wf: handler('slow', first.promise) },
      {
        now: clock.now,
      },
    );
    await slow.engine.start('w', 'wf', null);
    await eventually(() => entered.includes('slow'));
    clock.advance(61_000);
    makeEngine(
      { wf: handler('other', second.promise) },
      { now: clock.now, store: slow.store },
    );
    await eventually(() => entered.includes('other'));
    first.open();
    await eventually(() =>
      slow.logger.has(messages.leaseLost('w', 'taken-over')),
    );
    second.open();
  });

  it('a run whose workflow was retried meanwhile and is held by nobody', async () => {
    const held = gate();
    let entered = false;
    const { engine, store, logger } = makeEngine(
      {
        wf: async (ctx) => {
          await ctx.step('one', async () => {
            entered = true;
            await held.promise;
          });
        },
      },
      { worker: true },
    );
    await engine.start('w', 'wf', null);
    await eventually(() => entered);
    // Another instance's operator cancels and retries it; this engine's run is not told.
    await store.cancelWorkflow('w', Date.now());
    await store.retryWorkflow('w', Date.now() + 60_000);
    held.open();
    await eventually(() => logger.has(messages.leaseLost('w', 'released')));
  });
});
