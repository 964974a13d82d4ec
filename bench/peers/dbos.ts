import type { DBOS as DBOSClass } from '@dbos-inc/dbos-sdk';
import { rate } from '../scenarios/throughput';
import { elapsedMs } from '../stats';
import type { Contender, PeerWorkflow } from './contender';
import { pgMeter } from './meters';
import type { BenchPostgres } from './postgres-server';

type Dbos = typeof DBOSClass;
type Workflows = Record<PeerWorkflow, () => Promise<string>>;

/**
 * DBOS Transact running the bench's workflow (three no-op steps, `DBOS.runStep`) in this process,
 * on the same PostgreSQL server as our PostgreSQL store: each round launches DBOS on a system
 * database of its own (DBOS creates and migrates it), shuts it down after and drops it. DBOS's defaults
 * throughout (its pool size, serializer, no queue), but for `logLevel: 'warn'`, so that its
 * start-up lines stay out of the report. Workflows are started with `DBOS.startWorkflow` and
 * awaited with the handle's `getResult()`.
 */
export async function dbosContender(
  postgres: BenchPostgres,
): Promise<Contender | { skipped: string }> {
  let dbos: Dbos;
  try {
    // Loaded only when DBOS runs: it is a large package, with OpenTelemetry.
    ({ DBOS: dbos } = await import('@dbos-inc/dbos-sdk'));
  } catch {
    return {
      skipped:
        '@dbos-inc/dbos-sdk is not installed: run `npm install` (it is a dev dependency)',
    };
  }
  const workflows = register(dbos);
  const run = Date.now().toString(36);
  return {
    label: 'dbos',
    ours: false,
    what: 'DBOS Transact, same PostgreSQL server',
    meter: pgMeter(postgres),
    open: async (round) => {
      const database = `lidex_bench_dbos_${run}_${round}`;
      dbos.setConfig({
        name: 'lidex-bench',
        systemDatabaseUrl: postgres.urlFor(database),
        logLevel: 'warn',
      });
      await dbos.launch();
      const start = (workflow: PeerWorkflow) =>
        dbos.startWorkflow(workflows[workflow])();
      return {
        throughput: async (count) => {
          const started = process.hrtime.bigint();
          const handles = await Promise.all(
            Array.from({ length: count }, () => start('threeSteps')),
          );
          await Promise.all(handles.map((handle) => handle.getResult()));
          return rate(count, elapsedMs(started));
        },
        oneAtATime: async (workflow, count) => {
          const samples: number[] = [];
          for (let i = 0; i < count; i++) {
            const started = process.hrtime.bigint();
            await (await start(workflow)).getResult();
            samples.push(elapsedMs(started));
          }
          return samples;
        },
        close: async () => {
          await dbos.shutdown();
          await postgres.dropDatabase(database);
        },
      };
    },
  };
}

/** DBOS registers workflows once per process, before its first launch. */
let registered: Workflows | undefined;

function register(dbos: Dbos): Workflows {
  const noop = () => Promise.resolve(1);
  registered ??= {
    threeSteps: dbos.registerWorkflow(
      async () => {
        await dbos.runStep(noop, { name: 'a' });
        await dbos.runStep(noop, { name: 'b' });
        await dbos.runStep(noop, { name: 'c' });
        return 'ok';
      },
      { name: 'threeSteps' },
    ),
    noSteps: dbos.registerWorkflow(() => Promise.resolve('ok'), {
      name: 'noSteps',
    }),
  };
  return registered;
}
