/**
 * `npm run bench`: figures, not pass/fail. Per store (memory, SQLite with its default durable
 * commits, and MongoDB when LIDEX_MONGO_URL names a server): throughput, latency and store calls
 * of workflows of three no-op steps. `--quick` runs a small size; `--json` prints one JSON object
 * as the last line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryStore,
  MongoStore,
  type Persistence,
  SqliteStore,
} from '@lidex/nestjs';
import { latency, roundTrips, throughput } from './scenarios';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const size = quick
  ? { throughput: 1_000, latency: 200, roundTrips: 50 }
  : { throughput: 10_000, latency: 1_000, roundTrips: 200 };

interface StoreUnderBench {
  label: string;
  open(): Persistence;
}

function stores(dir: string): StoreUnderBench[] {
  const list: StoreUnderBench[] = [
    { label: 'memory', open: () => new MemoryStore() },
    {
      label: 'sqlite',
      open: () => new SqliteStore({ path: join(dir, 'bench.sqlite') }),
    },
  ];
  const url = process.env.LIDEX_MONGO_URL;
  if (url) {
    const database = `lidex_bench_${Date.now()}`;
    list.push({
      label: 'mongodb',
      open: () => new MongoStore({ url, database }),
    });
  }
  return list;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lidex-bench-'));
  const results: Record<string, unknown> = {
    machine: {
      cpus: (await import('node:os')).cpus().length,
      node: process.version,
    },
    size,
  };
  try {
    for (const { label, open } of stores(dir)) {
      const store = open();
      await store.init();
      try {
        results[label] = {
          throughput: await throughput(store, size.throughput, 't'),
          latency: await latency(store, size.latency, 'l'),
          roundTrips: await roundTrips(store, size.roundTrips, 'r'),
        };
      } finally {
        await store.close();
      }
      if (!json) console.log(label, JSON.stringify(results[label], null, 2));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify(results));
}

void main();
