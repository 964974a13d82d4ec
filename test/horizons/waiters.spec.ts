import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { idleWorkerFigures } from '../support/idle-worker';
import { tempDir } from '../support/temp-dir';

const WAITERS = 10_000;

const SIGNALLED = 200;

describe('ten thousand workflows waiting for signals', () => {
  const dir = tempDir('lidex-waiters-');
  afterAll(() => dir.remove());

  it('hold no timers and little memory in the worker, and each wakes on its signal', async () => {
    const path = join(dir.path, 'lidex.sqlite');
    const store = new SqliteStore({ path, durability: 'normal' });
    await store.init();
    const woke = new Map<string, number>();
    const engine = new LidexEngine({
      store,
      concurrency: 200,
      pollIntervalMs: 20,
      handlers: {
        waiter: async (ctx: WorkflowContext) => {
          const payload = await ctx.waitForSignal<number>('go', 'go');
          await ctx.step('woke', () => {
            woke.set(ctx.workflowId, performance.now());
          });
          return payload;
        },
      },
    });
    const probe = new Database(path, { readonly: true });
    const waiting = () =>
      (
        probe
          .prepare(
            `SELECT count(*) AS n FROM lidex_workflows WHERE waiting_kind = 'signal'`,
          )
          .get() as { n: number }
      ).n;
    try {
      for (let i = 0; i < WAITERS; i++)
        await engine.start(`wait-${i}`, 'waiter', null);
      const { pendingTimers, heldGrowthMb } = await idleWorkerFigures(
        engine,
        () => waiting() === WAITERS,
        90_000,
        `${WAITERS} workflows waiting`,
      );
      const extraTimers = pendingTimers.length;
      // Not one per workflow: the poll loop's wake-up and the
      // schedule ticker's refresh.
      expect(pendingTimers.slice(2)).toEqual([]);
      // Under 1 KB per workflow: none of them keeps its run (its closures, its promises).
      expect(heldGrowthMb).toBeLessThan(10);
      const sample = await engine.get('wait-1234');
      expect(sample).toMatchObject({
        status: 'running',
        waitingFor: { kind: 'signal', name: 'go' },
      });
      expect(sample?.readyAt).toBeUndefined();

      // Signal sent -> the waiting workflow's next step running, one at a time, in this process.
      const latencies: number[] = [];
      for (let i = 0; i < SIGNALLED; i++) {
        const id = `wait-${i}`;
        const sent = performance.now();
        expect(await engine.signal(id, 'go', i)).toBe(true);
        await eventually(() => woke.has(id), 10_000, `${id} to wake`);
        latencies.push(woke.get(id)! - sent);
      }
      latencies.sort((a, b) => a - b);
      const p50 = latencies[Math.floor(latencies.length / 2)];
      expect(await engine.wait('wait-7', { timeoutMs: 10_000 })).toBe(
        'finished',
      );
      expect((await engine.get('wait-7'))?.result).toBe(7);
      reportFigures('waiters', {
        waiters: WAITERS,
        extraTimers,
        heldGrowthMb: Math.round(heldGrowthMb * 10) / 10,
        signalToStepP50Ms: Math.round(p50 * 100) / 100,
        signalToStepP90Ms:
          Math.round(latencies[Math.floor(latencies.length * 0.9)] * 100) / 100,
      });
    } finally {
      probe.close();
      await engine.stopWorker();
      await store.close();
    }
  }, 180_000);
});
