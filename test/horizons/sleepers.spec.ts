import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { reportFigures } from '../support/figures';
import { idleWorkerFigures } from '../support/idle-worker';
import { tempDir } from '../support/temp-dir';

const SLEEPERS = 10_000;
const HOUR = 60 * 60 * 1000;

describe('ten thousand sleeping workflows', () => {
  const dir = tempDir('lidex-sleepers-');
  afterAll(() => dir.remove());

  it('hold no timers and little memory in the worker', async () => {
    const path = join(dir.path, 'lidex.sqlite');
    const store = new SqliteStore({ path, durability: 'normal' });
    await store.init();
    const engine = new LidexEngine({
      store,
      concurrency: 200,
      pollIntervalMs: 20,
      handlers: {
        nap: async (ctx: WorkflowContext) => {
          await ctx.sleep('hour', HOUR);
          return 'rested';
        },
      },
    });
    const probe = new Database(path, { readonly: true });
    const asleep = () =>
      (
        probe
          .prepare(`SELECT count(*) AS n FROM lidex_steps WHERE kind = 'sleep'`)
          .get() as { n: number }
      ).n;
    try {
      for (let i = 0; i < SLEEPERS; i++)
        await engine.start(`nap-${i}`, 'nap', null);
      const { pendingTimers, heldGrowthMb } = await idleWorkerFigures(
        engine,
        () => asleep() === SLEEPERS,
        60_000,
        `${SLEEPERS} workflows asleep`,
      );
      const extraTimers = pendingTimers.length;
      // Not one per workflow: the poll loop's wake-up, the one for
      // the soonest ready time and the schedule ticker's refresh.
      expect(pendingTimers.slice(3)).toEqual([]);
      // Under 1 KB per workflow: none of them keeps its run (its closures, its promises).
      expect(heldGrowthMb).toBeLessThan(10);
      const sample = await engine.get('nap-1234');
      expect(sample).toMatchObject({ status: 'running', failures: 0 });
      expect(sample?.readyAt!.getTime()).toBeGreaterThan(
        Date.now() + HOUR - 60_000,
      );
      reportFigures('sleepers', {
        sleepers: SLEEPERS,
        extraTimers,
        heldGrowthMb: Math.round(heldGrowthMb * 10) / 10,
      });
    } finally {
      probe.close();
      await engine.stopWorker();
      await store.close();
    }
  }, 120_000);
});
