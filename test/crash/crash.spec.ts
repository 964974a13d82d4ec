import { eventually } from '../support/eventually';
import {
  journalLines,
  killWorker,
  requireBuild,
  openClient,
  processSuite,
  startWorker,
  stepRuns,
} from '../support/worker-processes';

const WORKFLOWS = 20;
const STEPS = 5;
const CONCURRENCY = 4; // each worker's

const suite = processSuite('lidex-crash-');

describe.each(suite.stores)(
  'crash safety on $label (real processes, SIGKILL)',
  (store) => {
    beforeAll(requireBuild);

    it('two workers share the store; each is killed mid-run and restarted; every workflow finishes, no step lost or recorded twice', async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'crash',
      );
      for (let i = 0; i < WORKFLOWS; i++) {
        await client.start(`order-${i}`, 'chain', { steps: STEPS, stepMs: 30 });
      }

      const killedPids: number[] = [];
      const workers = [
        await startWorker(store, journal),
        await startWorker(store, journal),
      ];
      try {
        for (const [victim, atLeast] of [
          [0, 15],
          [1, 45],
        ]) {
          await eventually(
            () => journalLines(journal).length >= atLeast,
            20_000,
            `${atLeast} steps`,
          );
          killedPids.push(workers[victim].pid);
          await killWorker(workers[victim]);
          workers[victim] = await startWorker(store, journal);
        }
        for (let i = 0; i < WORKFLOWS; i++) {
          expect(await client.wait(`order-${i}`, { timeoutMs: 30_000 })).toBe(
            'finished',
          );
        }
      } finally {
        for (const worker of workers) worker.child.kill('SIGTERM');
      }

      const expectedSteps = Array.from(
        { length: STEPS },
        (_, i) => `step-${i}`,
      );
      for (let i = 0; i < WORKFLOWS; i++) {
        const info = await client.get(`order-${i}`);
        expect(info?.result).toBe((STEPS * (STEPS - 1)) / 2);
        expect(info?.steps.map((s) => s.id)).toEqual(expectedSteps);
      }

      // Every step ran at least once; a step ran again only if it was in flight in a killed worker.
      const runs = stepRuns(journal);
      expect(runs.size).toBe(WORKFLOWS * STEPS);
      const repeated = [...runs.values()].filter((pids) => pids.length > 1);
      for (const pids of repeated) {
        expect(
          pids.slice(0, -1).every((pid) => killedPids.includes(Number(pid))),
        ).toBe(true);
      }
      expect(repeated.length).toBeLessThanOrEqual(
        killedPids.length * CONCURRENCY,
      );
      await persistence.close();
    }, 90_000);
  },
);
