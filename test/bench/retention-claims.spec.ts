import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { Persistence } from '@lidex/nestjs';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';

/**
 * The "done when" for retention, on SQLite: claims of 1,000 workflows while a purge
 * deletes LIDEX_RETENTION_N (5,000 by default, a CI size; `npm run bench -- --retention`
 * measures 100,000 on SQLite and PostgreSQL, as CPU per claim) finished ones, against the same claims with no
 * purge. The finished rows are written straight into the file (setting up is not measured).
 */
const N = Number(process.env.LIDEX_RETENTION_N ?? 5_000);
const RUNS = 1_000;
const T0 = 1_700_000_000_000;

function seedFinished(path: string, count: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO lidex_workflows (id, name, status, input, result, failures, attempts,
       created_at, updated_at) VALUES (?, 'old', 'finished', '"x"', '"r"', 0, 1, ?, ?)`,
  );
  const step = db.prepare(
    `INSERT INTO lidex_steps (workflow_id, kind, step_id, result, recorded_at)
     VALUES (?, 'step', 's', '"1"', ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(`old-${i}`, T0 + i, T0 + i);
      step.run(`old-${i}`, T0 + i);
    }
  })();
  db.close();
}

async function claimLatencies(
  store: Persistence,
  prefix: string,
): Promise<number[]> {
  const now = T0 + 10 * N;
  for (let i = 0; i < RUNS; i++) {
    await store.insertWorkflow({
      id: `${prefix}-${i}`,
      name: 'live',
      input: '1',
      now,
    });
  }
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const [claimed] = await store.claimReady(now, [
      { token: `t-${prefix}-${i}`, until: now + 60_000 },
    ]);
    latencies.push(performance.now() - started);
    await store.recordFinish(claimed.id, claimed.leaseToken, {
      result: '1',
      now,
    });
  }
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) =>
  Number(
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(
      3,
    ),
  );

describe(`retention: claims while ${N} finished workflows are purged (SQLite)`, () => {
  const dir = tempDir('lidex-retention-bench-');
  afterAll(() => dir.remove());

  it('keeps the claim cost within 1.5x of the same run without purging', async () => {
    const path = join(dir.path, 'lidex.sqlite');
    const store = new SqliteStore({ path });
    await store.init();
    seedFinished(path, N);

    const quiet = await claimLatencies(store, 'quiet');
    let purging = true;
    let purged = 0;
    const purge = (async () => {
      while (purging) {
        const n = await store.purgeWorkflows({
          status: 'finished',
          endedBefore: T0 + N,
          limit: 100,
        });
        purged += n;
        if (n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const busy = await claimLatencies(store, 'busy');
    purging = false;
    await purge;
    // What the claims overlapped is not all: finish the purge, then check nothing old is left.
    while (
      (await store.purgeWorkflows({
        status: 'finished',
        endedBefore: T0 + N,
        limit: 1000,
      })) > 0
    );
    const figures = {
      finished: N,
      purgedDuringClaims: purged,
      quietP50Ms: pct(quiet, 0.5),
      quietP95Ms: pct(quiet, 0.95),
      purgingP50Ms: pct(busy, 0.5),
      purgingP95Ms: pct(busy, 0.95),
      meanRatio: Number(
        (
          busy.reduce((a, b) => a + b, 0) / quiet.reduce((a, b) => a + b, 0)
        ).toFixed(2),
      ),
    };
    reportFigures('retention-claims-sqlite', figures);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    expect(purged).toBeGreaterThan(0);
    expect(figures.meanRatio).toBeLessThan(1.5);
    expect((await store.countWorkflows({ name: 'old' })).finished).toBe(0);
    await store.close();
  }, 600_000);
});
