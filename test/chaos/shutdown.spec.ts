import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  journalLines,
  requireBuild,
  openClient,
  processSuite,
  startWorker,
  stepRuns,
} from '../support/worker-processes';

const WORKFLOWS = 40;
const STEPS = 4;

const suite = processSuite('lidex-shutdown-');

describe.each(suite.stores)(
  'graceful shutdown under load on $label',
  (store) => {
    beforeAll(requireBuild);

    it('on SIGTERM stops claiming, drains within the grace period, exits 0 and holds nothing', async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'shutdown',
      );
      try {
        for (let i = 0; i < WORKFLOWS; i++) {
          await client.start(`s-${i}`, 'chain', { steps: STEPS, stepMs: 50 });
        }
        const options = {
          concurrency: 8,
          timeoutIntervalMs: 60_000,
          shutdownGraceMs: 5_000,
        };
        const worker = await startWorker(store, journal, options);
        await eventually(
          () => journalLines(journal).length >= 30,
          20_000,
          '30 steps',
        );
        const signalledAt = Date.now();
        worker.child.kill('SIGTERM');
        const { code } = await worker.exited;
        const drainSeconds = (Date.now() - signalledAt) / 1000;
        expect(code).toBe(0);
        expect(drainSeconds).toBeLessThan(options.shutdownGraceMs / 1000 + 2);

        // Nothing is left claimed: every unfinished workflow is ready for another instance now,
        // although the lease (60 s) would have held it far longer.
        let handedBack = 0;
        for (let i = 0; i < WORKFLOWS; i++) {
          const stored = await persistence.getWorkflow(`s-${i}`);
          expect(stored?.leaseToken).toBeUndefined();
          if (stored?.status !== 'finished') {
            handedBack++;
            expect(stored?.readyAt).toBeLessThanOrEqual(Date.now());
          }
        }

        const next = await startWorker(store, journal, options);
        try {
          for (let i = 0; i < WORKFLOWS; i++) {
            expect(await client.wait(`s-${i}`, { timeoutMs: 30_000 })).toBe(
              'finished',
            );
          }
        } finally {
          next.child.kill('SIGTERM');
          await next.exited;
        }
        // Handed back at durable points: no step ran twice.
        const runs = stepRuns(journal);
        expect(runs.size).toBe(WORKFLOWS * STEPS);
        expect([...runs.values()].filter((pids) => pids.length > 1)).toEqual(
          [],
        );
        reportFigures(`shutdown-${store.label}`, {
          workflows: WORKFLOWS,
          drainSeconds,
          handedBack,
          stepsRunTwice: 0,
        });
      } finally {
        await persistence.close();
      }
    }, 90_000);
  },
);
