import type { Persistence } from '@lidex/nestjs';
import {
  type CallCounts,
  countingStore,
  currentStoreCall,
  emptyPolls,
  isReadMethod,
  sumCalls,
  workCalls,
} from '../counting-store';
import { clientEngine, workerEngine } from '../engines';
import { FinishWatch } from '../finish-watch';
import { round } from '../stats';
import type { StorePlace } from '../stores';
import type { BenchWorkflow } from '../workflows';

/** Store calls (and, for MongoDB, server commands) of one kind of start, per workflow. */
export interface CallsPerWorkflow {
  /** Every store call but polls that found nothing. */
  calls: number;
  reads: number;
  byMethod: CallCounts;
  /** Server commands, where the store's driver reports them (MongoDB). */
  commands?: number;
  commandsByMethod?: CallCounts;
  /** Polls that found nothing, in all: idle cost, not cost per workflow. */
  emptyPolls: number;
}

export interface RoundTrips {
  /** A 3-step workflow. */
  perWorkflow: CallsPerWorkflow;
  /** What one step adds: (3-step workflow − workflow without steps) / 3. */
  perStep: { calls: number; commands?: number };
}

/**
 * Store round trips of a 3-step workflow, counted at the store, with a workflow without steps to
 * tell the cost of a step from that of start, claim and finish. Two ways to start: in the
 * worker's own process, one at a time (each claimed as it is created), and by another engine,
 * all at once (each claimed by a poll).
 */
export async function roundTrips(
  place: StorePlace,
  workflows: number,
  countsCommands: boolean,
): Promise<{ localStart: RoundTrips; startedElsewhere: RoundTrips }> {
  const store = await place.open();
  try {
    const both = async (localStart: boolean, prefix: string) => {
      const measure = (name: BenchWorkflow) =>
        countCalls(
          store,
          `${prefix}${name}`,
          name,
          workflows,
          localStart,
          countsCommands,
        );
      const three = await measure('threeSteps');
      const none = await measure('noSteps');
      return {
        perWorkflow: perWorkflow(three, workflows, countsCommands),
        perStep: {
          calls: round(
            (sumCalls(three.work) - sumCalls(none.work)) / 3 / workflows,
          ),
          ...(countsCommands && {
            commands: round(
              (sumCalls(three.commands) - sumCalls(none.commands)) /
                3 /
                workflows,
            ),
          }),
        },
      };
    };
    return {
      localStart: await both(true, 'rl'),
      startedElsewhere: await both(false, 're'),
    };
  } finally {
    currentStoreCall.disable();
    await store.close();
  }
}

interface Counted {
  work: CallCounts;
  commands: CallCounts;
  emptyPolls: number;
}

async function countCalls(
  store: Persistence,
  prefix: string,
  name: BenchWorkflow,
  workflows: number,
  localStart: boolean,
  countCommands: boolean,
): Promise<Counted> {
  const watch = new FinishWatch();
  const counting = countingStore(store, watch.onCall, { countCommands });
  const worker = workerEngine(counting.store);
  worker.startWorker();
  try {
    if (localStart) {
      for (let i = 0; i < workflows; i++) {
        await worker.start(`${prefix}${i}`, name, null);
        await watch.finished(`${prefix}${i}`);
      }
    } else {
      const client = clientEngine(counting.store);
      await Promise.all(
        Array.from({ length: workflows }, (_, i) =>
          client.start(`${prefix}${i}`, name, null),
        ),
      );
      await watch.allFinished(workflows);
    }
  } finally {
    await worker.stopWorker();
  }
  return {
    work: workCalls(counting.counts),
    commands: workCalls(counting.commands),
    emptyPolls: emptyPolls(counting.counts),
  };
}

function perWorkflow(
  counted: Counted,
  workflows: number,
  countsCommands: boolean,
): CallsPerWorkflow {
  const per = (n: number) => round(n / workflows);
  return {
    calls: per(sumCalls(counted.work)),
    reads: per(sumCalls(counted.work, isReadMethod)),
    byMethod: Object.fromEntries(
      Object.entries(counted.work).map(([method, n]) => [method, per(n)]),
    ),
    ...(countsCommands && {
      commands: per(sumCalls(counted.commands)),
      commandsByMethod: Object.fromEntries(
        Object.entries(counted.commands).map(([method, n]) => [method, per(n)]),
      ),
    }),
    emptyPolls: counted.emptyPolls,
  };
}
