import type { MongoClient } from 'mongodb';
import type { Persistence } from '@lidex/nestjs';
import { CommandTimer } from '../command-timer';
import { round } from '../stats';
import type { StorePlace } from '../stores';

export interface StepWriteSizes {
  /** Running workflows in the collection while step writes are timed. */
  workflows: number;
  /** Writes timed of each kind. */
  samples: number;
}

export interface StepWriteCost {
  sizes: StepWriteSizes;
  /** Mean time of the `update` command of one step write (`recordStep`), ms. */
  stepWriteMs: number;
  /** The same update (step pushed, `readyAt` and `updatedAt` set), filtered by `_id` alone. */
  sameUpdateByIdMs: number;
  /** `updateOne({ _id }, { $set: { updatedAt } })`. */
  plainUpdateByIdMs: number;
  /** stepWriteMs / plainUpdateByIdMs. */
  ratio: number;
}

/** Samples taken before timing, while the server (a JVM, say) warms up. */
const WARM_UP = 20;

/**
 * The server time of one step write, beside that of a plain update by `_id` on the same server
 * and collection: what the step write's fencing filter (the lease token, and the step not yet
 * recorded) costs on this server. Writes of the three kinds take turns, on different documents
 * of one collection of running workflows, so that load on the machine weighs on all alike.
 */
export async function stepWriteCost(
  place: StorePlace,
  client: MongoClient,
  sizes: StepWriteSizes,
  seedBatch: number,
): Promise<StepWriteCost> {
  if (!('mongodb' in place.spec))
    throw new Error('the step-write scenario is for MongoDB');
  const { database } = place.spec.mongodb;
  const store = await place.open();
  const timer = new CommandTimer(client, ['update']);
  try {
    const now = Date.now();
    const token = (i: number) => `bench-${i}`;
    const docs = sizes.workflows;
    // Spread over the collection: even documents for step writes, odd ones for the others.
    const target = (i: number) => (2 * i * 7919) % docs;
    // The workflows written to are created through the store that writes, as a worker creates
    // or claims those it runs; the others, running under other leases, through another store.
    const targets = new Set(
      Array.from({ length: sizes.samples + WARM_UP }, (_, i) => target(i)),
    );
    const others = await place.openForSeeding();
    try {
      await seed(others, docs, now, token, seedBatch, (i) => !targets.has(i));
    } finally {
      await others.close();
    }
    await seed(store, docs, now, token, seedBatch, (i) => targets.has(i));
    /** The store's collection, typed loosely: the bench writes its own updates to it. */
    const workflows = client.db(database).collection<{
      _id: string;
      steps: object[];
      stepKeys: string[];
    }>('lidex_workflows');
    for (let i = 0; i < sizes.samples + WARM_UP; i++) {
      const label = (kind: string) => (i < WARM_UP ? 'warm-up' : kind);
      const even = target(i);
      const odd = (even + 1) % docs;
      const step = {
        kind: 'step' as const,
        id: `s${i}`,
        result: '1',
        recordedAt: now + i,
      };
      const next = { readyAt: now + 60_000, release: false, now: now + i };
      await timer.as(label('step'), () =>
        store.recordStep(`w${even}`, token(even), step, next),
      );
      await timer.as(label('same'), () =>
        workflows.updateOne(
          { _id: `w${odd}` },
          {
            $push: { steps: step, stepKeys: `step:${step.id}` },
            $set: { readyAt: next.readyAt, updatedAt: next.now },
          },
        ),
      );
      await timer.as(label('plain'), () =>
        workflows.updateOne(
          { _id: `w${odd}` },
          { $set: { updatedAt: next.now } },
        ),
      );
    }
    const mean = (label: string) => {
      const times = timer.times(label);
      return times.reduce((sum, t) => sum + t, 0) / Math.max(times.length, 1);
    };
    return {
      sizes,
      stepWriteMs: round(mean('step'), 3),
      sameUpdateByIdMs: round(mean('same'), 3),
      plainUpdateByIdMs: round(mean('plain'), 3),
      ratio: round(mean('step') / mean('plain'), 1),
    };
  } finally {
    timer.stop();
    await store.close();
  }
}

/** Those of the running workflows `w0`..`w<n-1>` that `include` picks, each leased to `token(i)`. */
async function seed(
  store: Persistence,
  count: number,
  now: number,
  token: (i: number) => string,
  batch: number,
  include: (i: number) => boolean,
): Promise<void> {
  const all = Array.from({ length: count }, (_, i) => i).filter(include);
  for (let from = 0; from < all.length; from += batch) {
    const ids = all.slice(from, from + batch);
    await Promise.all(
      ids.map((i) =>
        store.insertWorkflow(
          { id: `w${i}`, name: 'bench', input: 'null', now },
          { token: token(i), until: now + 3_600_000 },
        ),
      ),
    );
  }
}
