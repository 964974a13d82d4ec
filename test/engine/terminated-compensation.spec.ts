import { type WorkflowHandler } from '@lidex/nestjs';
import { gate, makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { inProcessStores } from '../support/in-process-stores';
import { tempDir } from '../support/temp-dir';

/**
 * A workflow terminated while its compensation runs (the README: "`terminate(id)` ends a
 * workflow, compensating or not, as `cancelled` without running (more) compensations") ends
 * that run: the worker gets its room back and a close does not wait out the grace period.
 * Before, the run waited for ever on a write refused after the terminate, so a worker at
 * `concurrency: 1` ran nothing more and `close()` waited `shutdownGraceMs`, warning that the
 * workflow was "still inside a step" long after its compensation had returned.
 */

const dir = tempDir('lidex-terminated-compensation-');
afterAll(() => dir.remove());
const stores = inProcessStores(dir);

describe.each(stores)(
  'a workflow terminated while it compensates (%s store)',
  (_label, makeStore) => {
    it.each(['aborted', 'cancelled'] as const)(
      'ends the run (compensating to end %s): the next workflow runs and close() returns at once',
      async (end) => {
        const undoing = gate();
        const held = gate();
        const order: WorkflowHandler = async (ctx) => {
          await ctx.step('charge', () => ({ id: 'ch-1' }), {
            compensate: async () => {
              undoing.open();
              await held.promise;
            },
          });
          await ctx.step('ship', async () => {
            if (end === 'aborted') throw new Error('no courier');
            await new Promise((resolve) => setTimeout(resolve, 60_000));
          });
        };
        const { engine } = makeEngine(
          { order, plain: async () => 'done' },
          {
            store: makeStore(),
            concurrency: 1,
            maxFailures: 1,
            shutdownGraceMs: 10_000,
          },
        );
        await engine.store.init();
        await engine.start('o-1', 'order', null);
        if (end === 'cancelled') {
          await eventually(
            async () => (await engine.get('o-1'))?.steps.length === 1,
            5000,
            'the charge to be recorded',
          );
          expect(await engine.cancel('o-1')).toBe(true);
        }
        await undoing.promise;
        expect(await engine.status('o-1')).toBe('compensating');
        expect(await engine.terminate('o-1')).toBe(true);
        held.open();
        expect(await engine.status('o-1')).toBe('cancelled');

        await engine.start('p-1', 'plain', null);
        expect(await engine.wait('p-1', { timeoutMs: 5000 })).toBe('finished');
        const closing = Date.now();
        await engine.close();
        expect(Date.now() - closing).toBeLessThan(2000);
      },
      20_000,
    );
  },
);
