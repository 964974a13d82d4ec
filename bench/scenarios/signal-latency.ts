import type { LidexEngine } from '@lidex/nestjs';
import { type CallCounts, countingStore } from '../counting-store';
import { BENCH_ENGINE_OPTIONS, clientEngine, workerEngine } from '../engines';
import { withWorkers } from '../processes';
import { pause, quantile, round, wallClockMs } from '../stats';
import type { StorePlace } from '../stores';

/** Signal sent → the waiting workflow's next step running, in ms. */
export interface SignalLatency {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  samples: number;
}

/** What sending one signal to a waiting workflow costs the sender, in store calls. */
export interface SignalWrites {
  signals: number;
  /** Store calls per signal sent, by method: `{ sendSignal: 1 }` is one write. */
  callsPerSignal: CallCounts;
}

const latency = (samples: number[]): SignalLatency => ({
  p50Ms: round(quantile(samples, 0.5)),
  p90Ms: round(quantile(samples, 0.9)),
  p99Ms: round(quantile(samples, 0.99)),
  samples: samples.length,
});

/** Resolves once workflow `id` waits (released, `waitingFor` stored). */
async function untilWaiting(engine: LidexEngine, id: string): Promise<void> {
  while (!(await engine.get(id))?.waitingFor) await pause(2);
}

/** When the `woke` step ran (wall clock), once the workflow finished. */
async function wokeAt(engine: LidexEngine, id: string): Promise<number> {
  for (;;) {
    const info = await engine.get(id);
    if (info?.status === 'finished') return info.result as number;
    await pause(2);
  }
}

/** One workflow at a time waits, is signalled from this process, and runs here. */
export async function signalSameProcess(
  place: StorePlace,
  workflows: number,
): Promise<SignalLatency> {
  const store = await place.open();
  const engine = workerEngine(store);
  engine.startWorker();
  const samples: number[] = [];
  try {
    for (let i = 0; i < workflows; i++) {
      const id = `sig${i}`;
      await engine.start(id, 'awaitsSignal', null);
      await untilWaiting(engine, id);
      const sentAt = wallClockMs();
      await engine.signal(id, 'go', i);
      samples.push((await wokeAt(engine, id)) - sentAt);
    }
  } finally {
    await engine.stopWorker();
    await store.close();
  }
  return latency(samples);
}

/**
 * One workflow at a time waits in a worker process and is signalled from this one. The worker
 * learns of the signal at its next poll (nothing tells another process at once), so each signal
 * waits a random part of the poll interval first, as in `pickupOtherProcess`.
 */
export async function signalOtherProcess(
  place: StorePlace,
  workflows: number,
): Promise<SignalLatency> {
  const store = await place.open();
  const samples: number[] = [];
  const pollIntervalMs = BENCH_ENGINE_OPTIONS.pollIntervalMs ?? 1_000;
  try {
    await withWorkers(1, place.spec, BENCH_ENGINE_OPTIONS, async () => {
      const client = clientEngine(store);
      for (let i = 0; i < workflows; i++) {
        const id = `sigx${i}`;
        await client.start(id, 'awaitsSignal', null);
        await untilWaiting(client, id);
        await pause(Math.random() * pollIntervalMs);
        const sentAt = wallClockMs();
        await client.signal(id, 'go', i);
        samples.push((await wokeAt(client, id)) - sentAt);
      }
    });
  } finally {
    await store.close();
  }
  return latency(samples);
}

/** Store calls of `client.signal()` to workflows waiting for it, counted per signal. */
export async function signalWrites(
  place: StorePlace,
  signals: number,
): Promise<SignalWrites> {
  const store = await place.open();
  const engine = workerEngine(store);
  engine.startWorker();
  try {
    const ids = Array.from({ length: signals }, (_, i) => `sigw${i}`);
    for (const id of ids) await engine.start(id, 'awaitsSignal', null);
    for (const id of ids) await untilWaiting(engine, id);
    const counted = countingStore(store);
    const sender = clientEngine(counted.store);
    for (const [i, id] of ids.entries()) await sender.signal(id, 'go', i);
    const callsPerSignal = Object.fromEntries(
      Object.entries(counted.counts).map(([method, n]) => [
        method,
        round(n / signals),
      ]),
    );
    for (const id of ids) await wokeAt(engine, id);
    return { signals, callsPerSignal };
  } finally {
    await engine.stopWorker();
    await store.close();
  }
}
