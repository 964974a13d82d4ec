/**
 * `node dist-bench/bench/step-cost.js [--steps=1300]`: what recording one step costs as a
 * workflow grows, per store: the median time of a step write (the store's `recordStep`, fenced
 * by the lease, a 100-byte result) around the 10th step and around the last. Figures, not
 * pass/fail (docs/reliability.md, finding 8, has the last run's).
 *
 * MongoDB: LIDEX_MONGO_URL when set, else a server started here (a `mongod` on PATH, else
 * FerretDB), as `npm run bench` finds it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { MongoClient } from 'mongodb';
import { findMongoServer, serverVersion } from './mongo-server';
import { elapsedMs, round } from './stats';

const steps = Number(
  /--steps=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 1_300,
);
/** Steps timed at each end: the median of steps 1..20, and of the last 20. */
const WINDOW = 20;
const RESULT = JSON.stringify('x'.repeat(98));

interface StepCost {
  store: string;
  steps: number;
  medianMsNearStep10: number;
  medianMsNearLastStep: number;
  lastOverFirst: number;
}

async function measure(label: string, store: Persistence): Promise<StepCost> {
  await store.init();
  try {
    const now = Date.now();
    const lease = { token: randomUUID(), until: now + 3_600_000 };
    await store.insertWorkflow(
      { id: 'long', name: 'wf', input: '"in"', now },
      lease,
    );
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const started = process.hrtime.bigint();
      const written = await store.recordStep(
        'long',
        lease.token,
        {
          kind: 'step',
          id: `step-${i}`,
          result: RESULT,
          startedAt: now,
          recordedAt: now,
        },
        { readyAt: lease.until, release: false, now },
      );
      times.push(elapsedMs(started));
      if (!written) throw new Error(`step ${i} was not recorded`);
    }
    const first = median(times.slice(0, WINDOW));
    const last = median(times.slice(-WINDOW));
    return {
      store: label,
      steps,
      medianMsNearStep10: round(first, 3),
      medianMsNearLastStep: round(last, 3),
      lastOverFirst: round(last / first, 1),
    };
  } finally {
    await store.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lidex-step-cost-'));
  const figures: StepCost[] = [];
  try {
    figures.push(await measure('memory', new MemoryStore()));
    figures.push(
      await measure(
        'sqlite (durability full)',
        new SqliteStore({ path: join(dir, 'steps.sqlite') }),
      ),
    );
    const server = await findMongoServer(join(dir, 'mongo'));
    if ('skipped' in server) {
      process.stderr.write(`MongoDB skipped: ${server.skipped}\n`);
    } else {
      try {
        const client = new MongoClient(server.url);
        const { name } = await serverVersion(client);
        await client.close();
        figures.push(
          await measure(
            `mongodb (${name})`,
            new MongoStore({ url: server.url, database: 'lidex_step_cost' }),
          ),
        );
        const cleanup = new MongoClient(server.url);
        await cleanup.db('lidex_step_cost').dropDatabase();
        await cleanup.close();
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(figures);
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
