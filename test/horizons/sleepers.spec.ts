import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
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
    const timers = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    try {
      for (let i = 0; i < SLEEPERS; i++)
        await engine.start(`nap-${i}`, 'nap', null);
      const timersBefore = timers();
      const rssBefore = process.memoryUsage().rss;
      engine.startWorker();
      await eventually(
        () => asleep() === SLEEPERS,
        60_000,
        `${SLEEPERS} workflows asleep`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const extraTimers = timers() - timersBefore;
      const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      expect(extraTimers).toBeLessThanOrEqual(2); // the poll loop's own
      expect(rssGrowthMb).toBeLessThan(50);
      const sample = await engine.get('nap-1234');
      expect(sample).toMatchObject({ status: 'running', failures: 0 });
      expect(sample?.readyAt!.getTime()).toBeGreaterThan(
        Date.now() + HOUR - 60_000,
      );
      reportFigures('sleepers', {
        sleepers: SLEEPERS,
        extraTimers,
        rssGrowthMb: Math.round(rssGrowthMb * 10) / 10,
      });
    } finally {
      probe.close();
      await engine.stopWorker();
      await store.close();
    }
  }, 120_000);
});
