import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { clockAheadEnv } from '../support/faketime';
import { reportFigures } from '../support/figures';
import {
  journalLines,
  openClient,
  processSuite,
  requireBuild,
  startWorker,
  stepRuns,
  type WorkerProcess,
} from '../support/worker-processes';

const suite = processSuite('lidex-clock-');
const LEASE_MS = 2_000;

/** A message built by `build` with any number where `n` is, and any text where `text` is. */
const pattern = (build: (text: string, n: number) => string): RegExp =>
  new RegExp(
    build('\u0001', 987_654_321)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace('\u0001', '.+')
      .replace('987654321', '\\d+'),
  );

describe.each(suite.stores)(
  'a worker whose clock is two leases ahead, on $label',
  (store) => {
    beforeAll(requireBuild);

    it('takes over no workflow that is running elsewhere, says its clock is off, and runs new work at once', async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'clock-skew',
      );
      const options = { timeoutIntervalMs: LEASE_MS, concurrency: 10 };
      const ids = Array.from({ length: 8 }, (_, i) => `long-${i}`);
      const workers: WorkerProcess[] = [];
      try {
        const honest = await startWorker(store, journal, options);
        workers.push(honest);
        for (const id of ids) {
          await client.start(id, 'stamp', { steps: 2, stepMs: 2_500 });
        }
        await eventually(
          () => journalLines(journal).length >= ids.length,
          15_000,
          'every workflow inside its first step',
        );
        const ahead = await startWorker(
          store,
          journal,
          options,
          clockAheadEnv(2 * LEASE_MS),
        );
        workers.push(ahead);
        for (const id of ids) {
          expect(await client.wait(id, { timeoutMs: 60_000 })).toBe('finished');
        }

        const ranTwice = [...stepRuns(journal)].filter(
          ([, pids]) => pids.length > 1,
        );
        reportFigures(`clock-skew-${store.label}`, {
          leaseMs: LEASE_MS,
          aheadMs: 2 * LEASE_MS,
          workflows: ids.length,
          stepsRunTwice: ranTwice.length,
        });
        expect(ranTwice).toEqual([]);
        for (const id of ids) {
          expect((await client.get(id))?.result).toEqual([
            honest.pid,
            honest.pid,
          ]);
        }
        // With a server clock it compares with that; without, it sees leases renewed that look
        // expired to it.
        const warning = persistence.serverTime
          ? pattern((text, n) =>
              messages.clockOffServer(text, n, LEASE_MS, true),
            )
          : pattern((text, n) =>
              messages.clockAheadOfLeases(text, n, LEASE_MS),
            );
        expect(ahead.output()).toMatch(warning);

        // New work is not held back by the clock: with the honest worker gone, it runs at once.
        honest.child.kill('SIGKILL');
        await honest.exited;
        const startedAt = Date.now();
        await client.start('after', 'stamp', { steps: 1, stepMs: 10 });
        expect(await client.wait('after', { timeoutMs: 15_000 })).toBe(
          'finished',
        );
        expect(Date.now() - startedAt).toBeLessThan(LEASE_MS);
        expect((await client.get('after'))?.result).toEqual([ahead.pid]);
      } finally {
        for (const worker of workers) worker.child.kill('SIGKILL');
        await persistence.close();
      }
    }, 120_000);
  },
);
