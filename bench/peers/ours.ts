import { countingStore } from '../counting-store';
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
  return {
    label: store.label,
    ours: true,
    what,
    meter,
    open: async (round) => session(store, round),
  };
}

async function session(store: BenchStore, round: string): Promise<Session> {
  const watch = new FinishWatch();
  const counted = countingStore(
    await store.place(`peers_${round}`).open(),
    watch.onCall,
  ).store;
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
