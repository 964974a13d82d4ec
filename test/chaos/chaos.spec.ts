import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  journalLines,
  killWorker,
  requireBuild,
  openClient,
  processSuite,
  startWorker,
  stepRuns,
  type WorkerProcess,
} from '../support/worker-processes';

// Sized for CI; LIDEX_CHAOS_SCALE multiplies the workflows and kills for a larger run on demand.
const SCALE = Number(process.env.LIDEX_CHAOS_SCALE ?? 1);
const WORKERS = 3;
const STEP_MS = 10;

/**
 * Per store: FerretDB (the MongoDB-compatible server the tests use where no mongod is installed)
 * answers in tens of milliseconds under this load, so its run is smaller and its lease longer:
 * a live worker must never miss a renewal, or the bound below would not hold.
 */
const SIZES: Record<
  string,
  {
    workflows: number;
    steps: number;
    kills: number;
    concurrency: number;
    leaseMs: number;
  }
> = {
  SQLite: { workflows: 200, steps: 4, kills: 6, concurrency: 8, leaseMs: 1000 },
  MongoDB: {
    workflows: 100,
    steps: 3,
    kills: 4,
    concurrency: 4,
    leaseMs: 5000,
  },
  'mongo-java-server': {
    workflows: 100,
    steps: 3,
    kills: 4,
    concurrency: 4,
    leaseMs: 5000,
  },
  PostgreSQL: {
    workflows: 200,
    steps: 4,
    kills: 6,
    concurrency: 8,
    leaseMs: 2000,
  },
  MySQL: {
    workflows: 200,
    steps: 4,
    kills: 6,
    concurrency: 8,
    leaseMs: 2000,
  },
};

const suite = processSuite('lidex-chaos-');

describe.each(suite.stores)(
  'chaos on $label: workers killed at random',
  (store) => {
    beforeAll(requireBuild);

    const size = SIZES[store.label];
    const WORKFLOWS = size.workflows * SCALE;
    const KILLS = size.kills * SCALE;
    const STEPS = size.steps;
    const CONCURRENCY = size.concurrency;

    it(`finishes ${WORKFLOWS} workflows while ${KILLS} of ${WORKERS} workers are SIGKILLed and restarted`, async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'chaos',
      );
      for (let i = 0; i < WORKFLOWS; i++) {
        await client.start(`w-${i}`, 'chain', {
          steps: STEPS,
          stepMs: STEP_MS,
        });
      }

      const options = {
        concurrency: CONCURRENCY,
        timeoutIntervalMs: size.leaseMs,
      };
      const workers: WorkerProcess[] = [];
      for (let i = 0; i < WORKERS; i++)
        workers.push(await startWorker(store, journal, options));
      const killedPids: number[] = [];
      const started = Date.now();
      const total = WORKFLOWS * STEPS;
      try {
        for (let kill = 1; kill <= KILLS; kill++) {
          // Spread the kills over the run: the k-th once k/(KILLS+1) of the steps have run.
          const mark = Math.floor((total * kill) / (KILLS + 1));
          await eventually(
            () => journalLines(journal).length >= mark,
            60_000,
            `${mark} steps`,
          );
          const victim = Math.floor(Math.random() * workers.length);
          killedPids.push(workers[victim].pid);
          await killWorker(workers[victim]);
          workers[victim] = await startWorker(store, journal, options);
        }
        for (let i = 0; i < WORKFLOWS; i++) {
          expect(await client.wait(`w-${i}`, { timeoutMs: 60_000 })).toBe(
            'finished',
          );
        }
      } finally {
        for (const worker of workers) worker.child.kill('SIGTERM');
      }
      const seconds = (Date.now() - started) / 1000;

      const expectedSteps = Array.from(
        { length: STEPS },
        (_, i) => `step-${i}`,
      );
      let recordedTwice = 0;
      for (let i = 0; i < WORKFLOWS; i++) {
        const info = await client.get(`w-${i}`);
        const ids = info?.steps.map((s) => s.id) ?? [];
        recordedTwice += ids.length - new Set(ids).size;
        expect(info?.result).toBe((STEPS * (STEPS - 1)) / 2);
        expect(info?.steps.map((s) => s.id)).toEqual(expectedSteps);
      }
      const runs = stepRuns(journal);
      expect(runs.size).toBe(total);
      const repeated = [...runs.values()].filter((pids) => pids.length > 1);
      for (const pids of repeated) {
        // Every run but the last was in a worker that was killed while running it.
        expect(
          pids.slice(0, -1).every((pid) => killedPids.includes(Number(pid))),
        ).toBe(true);
      }
      const bound = KILLS * CONCURRENCY;
      expect(repeated.length).toBeLessThanOrEqual(bound);
      reportFigures(`chaos-${store.label}`, {
        workflows: WORKFLOWS,
        steps: total,
        workers: WORKERS,
        kills: KILLS,
        repeatedSteps: repeated.length,
        repeatBound: bound,
        recordedTwice,
        seconds,
      });
      await persistence.close();
    }, 180_000);
  },
);
