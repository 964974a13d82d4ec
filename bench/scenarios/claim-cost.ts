import { randomUUID } from 'node:crypto';
import type { Persistence } from '@lidex/nestjs';
import { elapsedMs, quantile, round } from '../stats';
import type { StorePlace } from '../stores';

export interface ClaimSizes {
  /** Finished workflows in the grown store. */
  finished: number;
  /** Ready workflows in the grown store. */
  ready: number;
  /** Claims timed in each store (the empty store holds just these, ready). */
  claims: number;
}

export interface ClaimCost {
  sizes: ClaimSizes;
  empty: { p50Ms: number; p99Ms: number };
  grown: { p50Ms: number; p99Ms: number };
  /** Median claim in the grown store / in the empty one. */
  ratio: number;
  seedSeconds: number;
}

/**
 * Time of one claim call (`claimReady` with one lease) that returns a workflow, in a store that holds only the workflows
 * being claimed, and in one that also holds many finished and ready workflows. Claiming should
 * not cost more as finished workflows pile up.
 */
export async function claimCost(
  emptyPlace: StorePlace,
  grownPlace: StorePlace,
  sizes: ClaimSizes,
  seedBatch: number,
): Promise<ClaimCost> {
  const seedStarted = process.hrtime.bigint();
  await seed(emptyPlace, 0, sizes.claims, seedBatch);
  await seed(grownPlace, sizes.finished, sizes.ready, seedBatch);
  const seedSeconds = round(elapsedMs(seedStarted) / 1000);
  const empty = await timeClaims(emptyPlace, sizes.claims);
  const grown = await timeClaims(grownPlace, sizes.claims);
  return {
    sizes,
    empty: summary(empty),
    grown: summary(grown),
    ratio: round(quantile(grown, 0.5) / quantile(empty, 0.5)),
    seedSeconds,
  };
}

const summary = (samples: number[]) => ({
  p50Ms: round(quantile(samples, 0.5), 3),
  p99Ms: round(quantile(samples, 0.99), 3),
});

/** Fills a place through the store's API: `finished` finished workflows, then `ready` idle ones. */
async function seed(
  place: StorePlace,
  finished: number,
  ready: number,
  batch: number,
): Promise<void> {
  const store = await place.openForSeeding();
  const now = Date.now() - 60_000;
  try {
    await inBatches(finished, batch, async (i) => {
      const lease = { token: randomUUID(), until: now + 60_000 };
      const id = `done${i}`;
      await store.insertWorkflow(newWorkflow(id, now), lease);
      await store.recordFinish(id, lease.token, { result: '"ok"', now });
    });
    // Distinct times, oldest first, as workflows started one after another would have.
    await inBatches(ready, batch, (i) =>
      store.insertWorkflow(newWorkflow(`ready${i}`, now + i)),
    );
  } finally {
    await store.close();
  }
}

const newWorkflow = (id: string, now: number) => ({
  id,
  name: 'threeSteps',
  input: 'null',
  now,
});

async function inBatches(
  count: number,
  size: number,
  work: (i: number) => Promise<unknown>,
): Promise<void> {
  for (let from = 0; from < count; from += size) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(count, from + size); i++) {
      batch.push(work(i));
    }
    await Promise.all(batch);
  }
}

/** Times `claims` claims, one after another, each of which must return a workflow. */
async function timeClaims(
  place: StorePlace,
  claims: number,
): Promise<number[]> {
  const store: Persistence = await place.open();
  const samples: number[] = [];
  try {
    for (let i = 0; i < claims; i++) {
      const now = Date.now();
      const lease = { token: randomUUID(), until: now + 60_000 };
      const started = process.hrtime.bigint();
      const claimed = await store.claimReady(now, [lease]);
      samples.push(elapsedMs(started));
      if (claimed.length !== 1) {
        throw new Error(`claim ${i} found nothing to claim`);
      }
    }
  } finally {
    await store.close();
  }
  return samples;
}
