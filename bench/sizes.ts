import type { ClaimSizes } from './scenarios/claim-cost';

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
}

const FULL: Sizes = {
  throughput: 10_000,
  latency: 1_000,
  pickup: 200,
  roundTrips: 200,
  claim: { finished: 100_000, ready: 10_000, claims: 1_000 },
  sleepers: 10_000,
};

/** `--quick`: the whole bench, MongoDB included, within a minute on two cores. */
const QUICK: Sizes = {
  throughput: 2_000,
  latency: 200,
  pickup: 30,
  roundTrips: 50,
  claim: { finished: 100_000, ready: 10_000, claims: 300 },
  sleepers: 2_000,
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
};

const FERRETDB_QUICK: Sizes = {
  throughput: 50,
  latency: 20,
  pickup: 10,
  roundTrips: 10,
  claim: { finished: 300, ready: 30, claims: 20 },
  sleepers: 100,
};

export function sizesFor(
  store: string,
  quick: boolean,
  ferretdb: boolean,
): Sizes {
  if (store === 'mongodb' && ferretdb) {
    return quick ? FERRETDB_QUICK : FERRETDB_FULL;
  }
  return quick ? QUICK : FULL;
}
