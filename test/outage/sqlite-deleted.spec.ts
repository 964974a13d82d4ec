import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  journalLines,
  killWorker,
  openClient,
  processSuite,
  requireBuild,
  startWorker,
  type WorkerProcess,
} from '../support/worker-processes';

const WORKFLOWS = 100;
/** The worker processes (TEST_WORKER_ENGINE) run up to 4 workflows at once, polling every 20 ms, leases of 1 s. */
const CONCURRENCY = 4;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite file deleted under running workers', () => {
  beforeAll(requireBuild);
  const { dir, stores } = processSuite('lidex-deleted-');
  const sqlite = stores[0];
  const path = join(dir, 'lidex.sqlite');

  it('each worker notices within a poll interval, says why, and stops claiming and recording', async () => {
    const { journal, persistence, client } = await openClient(
      sqlite,
      dir,
      'deleted',
    );
    for (let i = 0; i < WORKFLOWS; i++)
      await client.start(`w${i}`, 'chain', { steps: 20, stepMs: 20 });
    await persistence.close();
    const workers: WorkerProcess[] = [];
    try {
      workers.push(await startWorker(sqlite, journal));
      workers.push(await startWorker(sqlite, journal));
      await eventually(
        () => journalLines(journal).length >= 100,
        20_000,
        '100 steps run',
      );

      unlinkSync(path);
      const deletedAt = Date.now();
      const stepsBefore = journalLines(journal).length;
      const said = messages.storeStopped(
        `SQLite file ${path}`,
        messages.sqliteFileDeleted(),
      );
      await eventually(
        () => workers.every((worker) => worker.output().includes(said)),
        10_000,
        'both workers to say that the file was deleted',
      );
      const noticedMs = Date.now() - deletedAt;

      // The steps already running end; no further step starts, and nothing is written again.
      await pause(3_000);
      const stepsAfter = journalLines(journal).length - stepsBefore;
      expect(stepsAfter).toBeLessThanOrEqual(workers.length * CONCURRENCY);
      await pause(1_000);
      expect(journalLines(journal).length - stepsBefore).toBe(stepsAfter);
      expect(existsSync(path)).toBe(false);
      // Once the runs' leases are over, each worker says so as an error, and keeps saying it.
      for (const worker of workers)
        expect(worker.output()).toMatch(/^ERROR .*the file was deleted/m);
      for (const worker of workers)
        expect(worker.output()).not.toMatch(/database disk image|I\/O error/);

      reportFigures('sqlite-deleted', {
        workflows: WORKFLOWS,
        workers: workers.length,
        noticedWithinMs: noticedMs,
        stepsStartedAfterDeletion: stepsAfter,
      });
    } finally {
      for (const worker of workers) await killWorker(worker);
    }
  }, 90_000);
});
