import { claimCost, type ClaimCost } from './scenarios/claim-cost';
import {
  oneAtATime,
  pickupOtherProcess,
  pickupSameProcess,
} from './scenarios/latency';
import { roundTrips } from './scenarios/round-trips';
import {
  type SignalLatency,
  signalOtherProcess,
  signalSameProcess,
  type SignalWrites,
  signalWrites,
} from './scenarios/signal-latency';
import { sleepers } from './scenarios/sleepers';
import { type StepWriteCost, stepWriteCost } from './scenarios/step-write';
import {
  type Rate,
  throughputInProcess,
  throughputInWorkers,
} from './scenarios/throughput';
import type { Sizes } from './sizes';
import { elapsedMs, type Percentiles, round } from './stats';
import type { BenchStore } from './stores';

/** A figure that could not be measured for a store, and why. */
export interface NotMeasured {
  notMeasured: string;
}

const IN_ONE_PROCESS: NotMeasured = {
  notMeasured:
    'the memory store lives inside one process: worker processes cannot share it',
};

export interface StoreFigures {
  sizes: Sizes;
  throughput: {
    inProcess: Rate;
    oneWorkerProcess: Rate | NotMeasured;
    twoWorkerProcesses: Rate | NotMeasured;
  };
  latency: {
    oneAtATime: Percentiles;
    pickupSameProcess: Percentiles;
    pickupOtherProcess: Percentiles | NotMeasured;
  };
  roundTrips: Awaited<ReturnType<typeof roundTrips>>;
  claimCost: ClaimCost;
  sleepers: Awaited<ReturnType<typeof sleepers>>;
  /** Signal sent → the waiting workflow's next step running; what a send costs. */
  signals: {
    sameProcess: SignalLatency;
    otherProcess: SignalLatency | NotMeasured;
    writes: SignalWrites;
  };
  /** MongoDB only. */
  stepWrite?: StepWriteCost;
}

/** Every scenario on one store, each on fresh data of its own. */
export async function runSuite(
  store: BenchStore,
  sizes: Sizes,
  limitMs: number,
  progress: (scenario: string) => void,
): Promise<StoreFigures> {
  const step = async <T>(name: string, work: () => Promise<T>) => {
    const started = process.hrtime.bigint();
    const result = await withinLimit(
      work(),
      limitMs,
      `${store.label}: ${name}`,
    );
    progress(`${name} (${round(elapsedMs(started) / 1000, 1)} s)`);
    return result;
  };
  const place = store.place.bind(store);
  const inWorkers = (processes: number) =>
    store.shared
      ? step(`throughput, ${processes} worker processes`, () =>
          throughputInWorkers(
            place(`tp${processes}`),
            sizes.throughput,
            processes,
          ),
        )
      : Promise.resolve(IN_ONE_PROCESS);
  return {
    sizes,
    throughput: {
      inProcess: await step('throughput in-process', () =>
        throughputInProcess(place('tp0'), sizes.throughput),
      ),
      oneWorkerProcess: await inWorkers(1),
      twoWorkerProcesses: await inWorkers(2),
    },
    latency: {
      oneAtATime: await step('one at a time', () =>
        oneAtATime(place('lat'), sizes.latency),
      ),
      pickupSameProcess: await step('pickup, same process', () =>
        pickupSameProcess(place('pick'), sizes.pickup),
      ),
      pickupOtherProcess: store.shared
        ? await step('pickup, other process', () =>
            pickupOtherProcess(place('pickx'), sizes.pickup),
          )
        : IN_ONE_PROCESS,
    },
    roundTrips: await step('round trips', () =>
      roundTrips(place('rt'), sizes.roundTrips, store.client !== undefined),
    ),
    claimCost: await step('claim cost', () =>
      claimCost(place('claim0'), place('claim1'), sizes.claim, store.seedBatch),
    ),
    sleepers: await step('sleepers', () =>
      sleepers(place('sleep'), sizes.sleepers, store.shared),
    ),
    signals: {
      sameProcess: await step('signal, same process', () =>
        signalSameProcess(place('sig'), sizes.signals),
      ),
      otherProcess: store.shared
        ? await step('signal, other process', () =>
            signalOtherProcess(place('sigx'), sizes.signals),
          )
        : IN_ONE_PROCESS,
      writes: await step('signal writes', () =>
        signalWrites(place('sigw'), sizes.signals),
      ),
    },
    ...(store.client && {
      stepWrite: await step('step write', () =>
        stepWriteCost(
          place('sw'),
          store.client!,
          sizes.stepWrite,
          store.seedBatch,
        ),
      ),
    }),
  };
}

/**
 * A scenario that hangs (a lost worker message, a server that stopped answering) fails the bench
 * instead of holding a CI job until its own timeout; cleanup then runs as after any failure.
 */
async function withinLimit<T>(
  work: Promise<T>,
  limitMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took longer than ${limitMs / 1000} s`)),
      limitMs,
    );
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
