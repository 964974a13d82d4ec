import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { trackTimers } from '../support/live-timers';
import { tempDir } from '../support/temp-dir';

const SLEEPERS = 10_000;
const HOUR = 60 * 60 * 1000;

// Memory held, not garbage not yet collected: a full collection before each reading. What the
// process's objects hold (the JavaScript heap in use, and memory outside it that objects own,
// such as buffers), not its resident size: the suite runs in a fresh process, whose allocator
// keeps what its busiest moment took (the claims of 10,000 workflows), held or not.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const held = () => {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};

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
      const timers = trackTimers();
      const heldBefore = held();
      engine.startWorker();
      await eventually(
        () => asleep() === SLEEPERS,
        60_000,
        `${SLEEPERS} workflows asleep`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const pendingTimers = timers.pending();
      timers.stop();
      const extraTimers = pendingTimers.length;
      const heldGrowthMb = (held() - heldBefore) / 1024 / 1024;
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
