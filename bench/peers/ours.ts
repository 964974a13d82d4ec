import { type CallCounts, countingStore, emptyPolls } from '../counting-store';
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
 * returns, as in the rest of the bench.
 */
export function oursContender(
  store: BenchStore,
  what: string,
  meter?: () => Promise<Readings>,
): Contender {
  const sessions: CallCounts[] = [];
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
  sessions: readonly CallCounts[],
): () => Promise<Readings> {
  return async () => {
    const readings = await meter();
    const idle = sessions.reduce((sum, counts) => sum + emptyPolls(counts), 0);
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

async function session(
  store: BenchStore,
  round: string,
  sessions: CallCounts[],
): Promise<Session> {
  const watch = new FinishWatch();
  const { store: counted, counts } = countingStore(
    await store.place(`peers_${round}`).open(),
    watch.onCall,
  );
  sessions.push(counts);
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
