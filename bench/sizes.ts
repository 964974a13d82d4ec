import type { ClaimSizes } from './scenarios/claim-cost';
import type { StepWriteSizes } from './scenarios/step-write';

/** How much work each scenario does, per store. Printed with the figures. */
export interface Sizes {
  /** Workflows started at once, per throughput run. */
  throughput: number;
  /** Workflows run one at a time for start→finished. */
  latency: number;
  /** Workflows run one at a time for start→first step, per case. */
  pickup: number;
  /** Workflows per way of starting, for round trips. */
  roundTrips: number;
  claim: ClaimSizes;
  /** Workflows put to sleep for an hour. */
  sleepers: number;
  /** MongoDB: running workflows in the collection, and step writes timed among them. */
  stepWrite: StepWriteSizes;
  /** Workflows signalled one at a time, per case (and signals counted for their writes). */
  signals: number;
}

const FULL: Sizes = {
  throughput: 10_000,
  latency: 1_000,
  pickup: 200,
  roundTrips: 200,
  claim: { finished: 100_000, ready: 10_000, claims: 1_000 },
  sleepers: 10_000,
  stepWrite: { workflows: 20_000, samples: 500 },
  signals: 200,
};

/** `--quick`: the whole bench, MongoDB included, within a minute on two cores. */
const QUICK: Sizes = {
  throughput: 2_000,
  latency: 200,
  pickup: 30,
  roundTrips: 50,
  claim: { finished: 100_000, ready: 10_000, claims: 300 },
  sleepers: 2_000,
  stepWrite: { workflows: 10_000, samples: 100 },
  signals: 50,
};

/**
 * FerretDB 1.x (what the bench starts when there is no `mongod`) gets much smaller runs: it takes
 * milliseconds to tens of milliseconds per command and scans instead of using the claim index, so
 * its time grows with every workflow already in the collection.
 */
const FERRETDB_FULL: Sizes = {
  throughput: 300,
  latency: 100,
  pickup: 50,
  roundTrips: 50,
  claim: { finished: 1_000, ready: 100, claims: 100 },
  sleepers: 500,
  stepWrite: { workflows: 1_000, samples: 100 },
  signals: 30,
};

const FERRETDB_QUICK: Sizes = {
  throughput: 50,
  latency: 20,
  pickup: 10,
  roundTrips: 10,
  claim: { finished: 300, ready: 30, claims: 20 },
  sleepers: 100,
  stepWrite: { workflows: 300, samples: 30 },
  signals: 10,
};

/**
 * mongo-java-server keeps everything in memory and answers fast, but it uses an index only for
 * a filter on exactly that index's keys: claims scan the collection, so the claim-cost store is
 * kept smaller than on MongoDB.
 */
const MONGO_JAVA_FULL: Sizes = {
  ...FULL,
  throughput: 5_000,
  claim: { finished: 20_000, ready: 2_000, claims: 300 },
};

const MONGO_JAVA_QUICK: Sizes = {
  ...QUICK,
  throughput: 1_000,
  claim: { finished: 5_000, ready: 1_000, claims: 100 },
};

/**
 * PostgreSQL: filling the claim-cost tables goes through the store, a round trip per write, so
 * the quick run fills fewer (100,000 finished take about 30 s here).
 */
const POSTGRES_QUICK: Sizes = {
  ...QUICK,
  claim: { finished: 20_000, ready: 2_000, claims: 300 },
};

export function sizesFor(
  store: string,
  quick: boolean,
  ferretdb: boolean,
): Sizes {
  if (store === 'mongo-java-server') {
    return quick ? MONGO_JAVA_QUICK : MONGO_JAVA_FULL;
  }
  if ((store === 'postgres' || store === 'mysql') && quick) {
    return POSTGRES_QUICK;
  }
  if (store === 'mongodb' && ferretdb) {
    return quick ? FERRETDB_QUICK : FERRETDB_FULL;
  }
  return quick ? QUICK : FULL;
}
