import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine, type Persistence } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import {
  processSuite,
  requireBuild,
  stepRuns,
  TEST_WORKER_ENGINE,
} from '../support/worker-processes';
import {
  heldMarker,
  type HeldInput,
  type HeldOptions,
  type HeldPoint,
} from '../support/worker/held-step-workflows';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import { within } from '../support/within';

/** Every wait of the test is bounded: a kill, a freeze or a finish that does not come fails it. */
const BOUND_MS = 20_000;

const KILLS: HeldInput[] = [
  { point: 'step-returned' },
  { point: 'finish-sent', delayMs: 0 },
  { point: 'finish-sent', delayMs: 2 },
  { point: 'all-returned', delayMs: 0 },
  { point: 'failure-sent', delayMs: 0 },
  { point: 'sleeping' },
];

const suite = processSuite('lidex-held-kill-');

const bounded = <T>(what: string, work: Promise<T>): Promise<T> =>
  within(BOUND_MS, what, work);
const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A step's record held back (`lib/engine/run-held-step.ts`: written with the run's next call,
 * at the end of the turn, or with the finish) across a SIGKILL or a SIGSTOP, in real processes.
 * Two workers share the store; the one running a workflow stops itself while a step's record is
 * held or on its way (alone, with the finish, before a failure, before a sleep), and is replaced.
 * Every workflow finishes with each step recorded once, from the last run of its function: a
 * step ran again only when its first run was in the process killed, never once its record was
 * durable. A worker frozen with a step held, past its lease, writes nothing once resumed, whether
 * another worker finished the workflow meanwhile or it was cancelled.
 */
describe.each(suite.stores)(
  'a held step across SIGKILL and SIGSTOP on $label',
  (store) => {
    const workers: WorkerProcess[] = [];
    let persistence: Persistence | undefined;
    let client: LidexEngine | undefined;
    beforeAll(requireBuild);
    afterAll(async () => {
      await Promise.all(
        workers.map((worker) => {
          worker.resume();
          return worker.kill();
        }),
      );
      await client?.close();
    });

    it('records each step once, from its last run, whatever the kill or freeze', async () => {
      const options: HeldOptions = {
        journal: join(suite.dir, `${store.label}.log`),
        markers: join(suite.dir, `${store.label}-markers`),
      };
      writeFileSync(options.journal, '');
      mkdirSync(options.markers);
      persistence = store.open();
      await persistence.init();
      const engine = new LidexEngine({ store: persistence, clientOnly: true });
      client = engine;
      const startWorker = () => {
        const worker = WorkerProcess.launch({
          store: store.spec,
          engine: TEST_WORKER_ENGINE,
          workflows: {
            module: builtHarness('held-step-workflows.js'),
            options,
          },
        });
        workers.push(worker);
        return bounded(
          `worker ${worker.pid} ready`,
          worker.until(() => worker.ready).then(() => worker),
        );
      };
      /** The worker that stopped itself in `id`'s run, once its marker is written. */
      const stoppedIn = async (id: string, point: HeldPoint) => {
        const marker = heldMarker(options.markers, id, point);
        await eventually(
          () =>
            existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'),
          BOUND_MS,
          `${id}'s marker`,
        );
        const pid = Number(readFileSync(marker, 'utf8'));
        const worker = workers.find((one) => one.pid === pid);
        if (!worker) throw new Error(`${id} ran in ${pid}, not a worker`);
        return worker;
      };
      const steps = async (id: string) =>
        ((await engine.get(id))?.steps ?? []).filter(
          (step) => step.kind === 'step',
        );
      await Promise.all([startWorker(), startWorker()]);

      const killed = new Set<string>();
      const ids: string[] = [];
      for (const input of KILLS) {
        const id = `${input.point}-${input.delayMs ?? 'at'}`;
        ids.push(id);
        await engine.start(id, 'held', input);
        const victim = await stoppedIn(id, input.point);
        const exit = await bounded(`${id}'s kill`, victim.exited);
        expect(exit.signal).toBe('SIGKILL');
        killed.add(String(victim.pid));
        workers.splice(workers.indexOf(victim), 1);
        // What the store held at the kill, where no write of the run was on its way.
        if (input.point === 'step-returned')
          expect(await steps(id)).toEqual([]);
        if (input.point === 'sleeping') {
          const stored = await engine.get(id);
          expect(stored?.steps.map((step) => step.id)).toEqual(['a', 'nap']);
        }
        if (input.point === 'failure-sent') {
          // A failure is recorded after the step held before it, never instead.
          const stored = await engine.get(id);
          if ((stored?.failures ?? 0) > 0) {
            expect(stored?.steps.map((step) => step.id)).toEqual(['a']);
          }
        }
        await startWorker();
        expect(
          await bounded(
            `${id} finished`,
            engine.wait(id, { timeoutMs: BOUND_MS }),
          ),
        ).toBe('finished');
      }

      // Frozen right after step a returned, its record held, past the lease: the other worker
      // takes the workflow over and finishes it; resumed, the frozen one writes nothing.
      await engine.start('frozen-taken', 'held', { point: 'frozen' });
      const zombie = await stoppedIn('frozen-taken', 'frozen');
      expect(
        await bounded(
          'frozen-taken finished by the other worker',
          engine.wait('frozen-taken', { timeoutMs: BOUND_MS }),
        ),
      ).toBe('finished');
      zombie.resume();
      await eventually(
        () =>
          zombie
            .output()
            .includes(messages.leaseLost('frozen-taken', 'finished')),
        BOUND_MS,
        'the resumed worker to find its held step refused',
      );
      const [owner] = workers.filter((worker) => worker !== zombie);
      const taken = await engine.get('frozen-taken');
      expect(taken?.result).toEqual({ a: owner.pid, b: owner.pid });

      // Frozen the same way, then cancelled: resumed, it records neither that step nor the next.
      await engine.start('frozen-cancelled', 'held', { point: 'frozen' });
      const frozen = await stoppedIn('frozen-cancelled', 'frozen');
      expect(await engine.cancel('frozen-cancelled')).toBe(true);
      await eventually(
        async () => (await engine.status('frozen-cancelled')) === 'cancelled',
        BOUND_MS,
        'frozen-cancelled cancelled',
      );
      frozen.resume();
      // Its held write is sent at once on waking; give it the time of many round trips.
      await pause(500);
      expect(await engine.status('frozen-cancelled')).toBe('cancelled');
      expect(await steps('frozen-cancelled')).toEqual([]);

      const runs = stepRuns(options.journal);
      for (const id of [...ids, 'frozen-taken']) {
        const stored = await engine.get(id);
        const recorded = await steps(id);
        // Each step recorded once, with the result of its function's last run...
        expect(recorded.map((step) => step.id).sort()).toEqual(['a', 'b']);
        const result: Record<string, number> = {};
        for (const step of recorded) {
          const pids = runs.get(`${id} ${step.id}`) ?? [];
          result[step.id] = Number(pids.at(-1));
          // ...every run before it in a process stopped in its run (killed, or frozen).
          expect(
            pids
              .slice(0, -1)
              .every((pid) => killed.has(pid) || Number(pid) === zombie.pid),
          ).toBe(true);
        }
        expect(stored?.result).toEqual(result);
      }
      // Held when the process died: run again. Written before the sleep: not.
      expect(runs.get('step-returned-at a')).toHaveLength(2);
      expect(runs.get('sleeping-at a')).toHaveLength(1);
      expect(runs.get('frozen-taken a')).toEqual([
        String(zombie.pid),
        String(owner.pid),
      ]);
      expect(runs.get('frozen-taken b')).toEqual([String(owner.pid)]);
      expect(runs.get('frozen-cancelled a')).toEqual([String(frozen.pid)]);
      expect(runs.get('frozen-cancelled b')).toBeUndefined();
    }, 120_000);
  },
);
