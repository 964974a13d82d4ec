import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  journalLines,
  requireBuild,
  openClient,
  processSuite,
  startWorker,
  type WorkerProcess,
} from '../support/worker-processes';

const suite = processSuite('lidex-zombie-');

describe.each(suite.stores)(
  'a zombie worker on $label (SIGSTOP past its lease)',
  (store) => {
    beforeAll(requireBuild);

    it('cannot write after losing its lease; the new owner finishes; the zombie carries on with other work', async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'zombie',
      );
      const options = { timeoutIntervalMs: 2000, concurrency: 1 };
      const workers: WorkerProcess[] = [];
      try {
        const zombie = await startWorker(store, journal, options);
        workers.push(zombie);
        await client.start('z', 'stamp', { steps: 3, stepMs: 800 });
        await eventually(
          () => journalLines(journal).length >= 1,
          10_000,
          'the first step',
        );
        zombie.pause();
        const frozenAt = Date.now();

        const owner = await startWorker(store, journal, options);
        workers.push(owner);
        expect(await client.wait('z', { timeoutMs: 30_000 })).toBe('finished');
        const takeoverSeconds = (Date.now() - frozenAt) / 1000;

        zombie.resume();
        await eventually(
          () => zombie.output().includes(messages.leaseLost('z', 'finished')),
          10_000,
          'the zombie to notice',
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));

        const info = await client.get('z');
        expect(info?.result).toEqual([owner.pid, owner.pid, owner.pid]);
        expect(info?.steps.map((s) => s.id)).toEqual([
          'step-0',
          'step-1',
          'step-2',
        ]);
        const zombieSteps = journalLines(journal).filter(
          ([, , pid]) => Number(pid) === zombie.pid,
        );
        expect(zombieSteps.map(([, step]) => step)).toEqual(['step-0']);

        // The zombie carries on: with the new owner gone, it runs the next workflow.
        await owner.kill();
        await client.start('after', 'stamp', { steps: 2, stepMs: 10 });
        expect(await client.wait('after', { timeoutMs: 15_000 })).toBe(
          'finished',
        );
        expect((await client.get('after'))?.result).toEqual([
          zombie.pid,
          zombie.pid,
        ]);
        reportFigures(`zombie-${store.label}`, {
          leaseMs: options.timeoutIntervalMs,
          secondsFromFreezeToFinished: takeoverSeconds,
          zombieStepsRecorded: (info?.result as number[]).filter(
            (pid) => pid === zombie.pid,
          ).length,
        });
      } finally {
        for (const worker of workers) worker.resume();
        await Promise.all(workers.map((worker) => worker.kill()));
        await persistence.close();
      }
    }, 60_000);

    it('frozen while its runs sleep in memory, wakes after another instance finished them and runs no step of theirs', async () => {
      const { journal, persistence, client } = await openClient(
        store,
        suite.dir,
        'zombie-sleep',
      );
      const options = { timeoutIntervalMs: 2000, concurrency: 10 };
      const ids = Array.from({ length: 6 }, (_, i) => `nap-${i}`);
      const workers: WorkerProcess[] = [];
      try {
        const zombie = await startWorker(store, journal, options);
        workers.push(zombie);
        for (const id of ids) {
          await client.start(id, 'napper', { steps: 3, sleepMs: 1500 });
        }
        // Freeze it once every run has recorded its first step and sits in its first sleep.
        await eventually(
          async () => {
            const infos = await Promise.all(ids.map((id) => client.get(id)));
            return infos.every((info) => info?.steps.length === 2);
          },
          15_000,
          'every run asleep',
        );
        zombie.pause();

        const owner = await startWorker(store, journal, options);
        workers.push(owner);
        for (const id of ids) {
          expect(await client.wait(id, { timeoutMs: 30_000 })).toBe('finished');
        }

        zombie.resume();
        await eventually(
          () =>
            ids.every((id) =>
              zombie.output().includes(messages.leaseLost(id, 'finished')),
            ),
          10_000,
          'the zombie to notice',
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));

        const zombieSteps = journalLines(journal).filter(
          ([, , pid]) => Number(pid) === zombie.pid,
        );
        // Which steps the zombie ran, in any order: its runs start concurrently.
        expect(zombieSteps.map(([id, step]) => `${id} ${step}`).sort()).toEqual(
          ids.map((id) => `${id} step-0`).sort(),
        );
        for (const id of ids) {
          expect((await client.get(id))?.result).toEqual([
            zombie.pid,
            owner.pid,
            owner.pid,
          ]);
        }
      } finally {
        for (const worker of workers) worker.resume();
        await Promise.all(workers.map((worker) => worker.kill()));
        await persistence.close();
      }
    }, 90_000);
  },
);
