import type { Persistence } from '@lidex/nestjs';
import { THROUGHPUT_CONCURRENCY, workerEngine } from '../engines';
import { FinishWatch } from '../finish-watch';
import { elapsedMs } from '../stats';
import { rate } from '../scenarios/throughput';
import type { BenchStore } from '../stores';
import type { Contender, Readings, Session } from './contender';

/**
 * A Lidex store as a contender: in each round a fresh place (SQLite file, PostgreSQL schema), one
 * engine in this process with its worker (concurrency as in the throughput scenario), the
 * workflows started by that engine; "finished" is the moment the store call writing the finish
 * returns, as in the rest of the bench. Only that call and the claims are watched (patched on the
 * store object), not every call through a proxy as the bench's counting store does: the peers
 * carry no such meter, so neither does ours in the rounds.
 */
export function oursContender(
  store: BenchStore,
  what: string,
  meter?: () => Promise<Readings>,
): Contender {
  const sessions: Watched[] = [];
  return {
    label: store.label,
    ours: true,
    what,
    meter: meter && withoutIdlePolls(meter, sessions),
    open: async (round) => session(store, round, sessions),
  };
}

/**
 * The meter's readings less the polls that found nothing (a claim is one query and one
 * statement: no flow limits here), counted apart as `idlePolls`. An idle worker polls once per
 * pollIntervalMs however many workflows run meanwhile, so a poll is not a workflow's cost, and
 * how many fall inside a count depends on how long it took (on the machine's load). Without
 * them the counts are what the workflows cost, the same on every run.
 */
function withoutIdlePolls(
  meter: () => Promise<Readings>,
  sessions: readonly Watched[],
): () => Promise<Readings> {
  return async () => {
    const readings = await meter();
    const idle = sessions.reduce(
      (sum, { emptyClaims }) => sum + emptyClaims,
      0,
    );
    const less = (value: number | undefined) =>
      value === undefined ? undefined : value - idle;
    return {
      ...readings,
      roundTrips: less(readings.roundTrips),
      statements: less(readings.statements),
      idlePolls: idle,
    };
  };
}

interface Watched {
  store: Persistence;
  /** Claims that found nothing, so far. */
  emptyClaims: number;
}

/** Tells `watch` of each finish written, and counts the claims that found nothing. */
function watched(store: Persistence, watch: FinishWatch): Watched {
  const state: Watched = { store, emptyClaims: 0 };
  const recordFinish = store.recordFinish.bind(store);
  const claimReady = store.claimReady.bind(store);
  store.recordFinish = async (...args) => {
    const result = await recordFinish(...args);
    watch.onCall({ method: 'recordFinish', args, result });
    return result;
  };
  store.claimReady = async (...args) => {
    const claimed = await claimReady(...args);
    if (claimed.length === 0) state.emptyClaims += 1;
    return claimed;
  };
  return state;
}

async function session(
  store: BenchStore,
  round: string,
  sessions: Watched[],
): Promise<Session> {
  const watch = new FinishWatch();
  const state = watched(await store.place(`peers_${round}`).open(), watch);
  sessions.push(state);
  const counted = state.store;
  const engine = workerEngine(counted, { concurrency: THROUGHPUT_CONCURRENCY });
  engine.startWorker();
  let next = 0;
  return {
    throughput: async (workflows) => {
      const before = watch.count;
      const first = next;
      next += workflows;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: workflows }, (_, i) =>
          engine.start(`t${first + i}`, 'threeSteps', null),
        ),
      );
      await watch.allFinished(before + workflows);
      return rate(workflows, elapsedMs(started));
    },
    oneAtATime: async (workflow, workflows) => {
      const samples: number[] = [];
      for (let i = 0; i < workflows; i++) {
        const id = `l${next++}`;
        const started = process.hrtime.bigint();
        await engine.start(id, workflow, null);
        await watch.finished(id);
        samples.push(elapsedMs(started));
      }
      return samples;
    },
    close: async () => {
      await engine.stopWorker();
      await counted.close();
    },
  };
}
