import { type WorkflowContext } from '@lidex/nestjs';
import { gate, makeEngine } from '../support/engine-harness';
import { inProcessStores } from '../support/in-process-stores';
import { tempDir } from '../support/temp-dir';

/**
 * `cancel()` of a workflow that is already `compensating` (it failed for good and is undoing its
 * steps) answers `true` and leaves it to its compensations, as the store does. Before, it also
 * halted the run compensating it here: the compensation under way went unrecorded and the rest
 * waited for that run's lease to lapse (60 s by default; 'aborted' not reached within 3 s).
 */

const dir = tempDir('lidex-cancel-compensating-');
afterAll(() => dir.remove());
const stores = inProcessStores(dir);

describe.each(stores)(
  'cancel() of a compensating workflow (%s store)',
  (_label, makeStore) => {
    it('answers true and lets its compensations go on to the end they were heading for', async () => {
      const undoing = gate();
      const held = gate();
      const ran: string[] = [];
      const { engine } = makeEngine(
        {
          order: async (ctx: WorkflowContext) => {
            await ctx.step('reserve', () => 'seat', {
              compensate: () => void ran.push('release'),
            });
            await ctx.step('charge', () => 'ch-1', {
              compensate: async () => {
                ran.push('refund');
                undoing.open();
                await held.promise;
              },
            });
            throw new Error('no courier');
          },
        },
        { store: makeStore(), maxFailures: 1 },
      );
      await engine.store.init();
      await engine.start('o-1', 'order', null);
      await undoing.promise;
      expect(await engine.status('o-1')).toBe('compensating');
      expect(await engine.cancel('o-1')).toBe(true);
      expect(await engine.status('o-1')).toBe('compensating');
      held.open();
      expect(await engine.wait('o-1', { timeoutMs: 3000 })).toBe('aborted');
      expect(ran).toEqual(['refund', 'release']);
      const info = await engine.get('o-1');
      expect(info?.compensations?.map((c) => [c.stepId, c.status])).toEqual([
        ['charge', 'compensated'],
        ['reserve', 'compensated'],
      ]);
      expect(info?.error?.message).toBe('no courier');
    });
  },
);
