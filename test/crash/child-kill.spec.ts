import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LidexEngine,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import {
  processSuite,
  requireBuild,
  stepRuns,
} from '../support/worker-processes';
import type {
  ChildKillOptions,
  KillPoint,
} from '../support/worker/child-kill-workflows';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import { within } from '../support/within';

const runsInWorkers = (() =>
  Promise.reject(new Error('runs in the workers'))) as WorkflowHandler;

/** Every wait of the test is bounded: a kill or a finish that does not come fails it. */
const BOUND_MS = 20_000;

const KILL_POINTS: KillPoint[] = ['child-step-recorded', 'parent-woken'];

const suite = processSuite('lidex-child-kill-');
// The stores that keep children; MongoDB on mongo-java-server, whose conditional updates are
// atomic (FerretDB's are not: see signals-chaos.spec.ts).
const childStores = suite.stores.filter((store) =>
  ['SQLite', 'mongo-java-server', 'PostgreSQL', 'MySQL'].includes(store.label),
);

const bounded = <T>(what: string, work: Promise<T>): Promise<T> =>
  within(BOUND_MS, what, work);

/**
 * A child's end across a SIGKILL, in real processes: the worker running a parent and its child
 * dies right after the child's last step is recorded (before the parent hears of the end), or
 * right after the parent received the end (before its next step); each is restarted. Every
 * parent finishes once, with its child's result, and no step of either runs twice.
 */
describe.each(childStores)(
  'a child workflow across a SIGKILL on $label',
  (store) => {
    const workers: WorkerProcess[] = [];
    let persistence: Persistence | undefined;
    beforeAll(requireBuild);
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.kill()));
      await persistence?.close();
    });

    it("finishes each parent once with its child's result, a worker killed at each point", async () => {
      const options: ChildKillOptions = {
        journal: join(suite.dir, `${store.label}.log`),
        markers: join(suite.dir, `${store.label}-markers`),
      };
      writeFileSync(options.journal, '');
      mkdirSync(options.markers);
      const marker = (id: string) => join(options.markers, `${id}.killed`);
      persistence = store.open();
      await persistence.init();
      const client = new LidexEngine({
        store: persistence,
        handlers: { parent: runsInWorkers, kid: runsInWorkers },
      });
      const startWorker = async () => {
        const worker = WorkerProcess.launch({
          store: store.spec,
          engine: { pollIntervalMs: 20, timeoutIntervalMs: 1000 },
          workflows: {
            module: builtHarness('child-kill-workflows.js'),
            options,
          },
        });
        workers.push(worker);
        await bounded(
          `worker ${worker.pid} ready`,
          worker.until(() => worker.ready),
        );
        return worker;
      };

      // One kill point after the other (a kill also cuts short whatever else the worker runs):
      // the worker of the moment is killed there, and the next one finishes the parent.
      let worker = await startWorker();
      const ids = KILL_POINTS.map((kill) => `p-${kill}`);
      const killedAt = new Map<string, string>();
      for (const [i, kill] of KILL_POINTS.entries()) {
        const id = ids[i];
        await client.start(id, 'parent', kill);
        const exit = await bounded(
          `the worker killed at ${kill}`,
          worker.exited,
        );
        expect(exit.signal).toBe('SIGKILL');
        expect(readFileSync(marker(id), 'utf8').trim()).toBe(
          String(worker.pid),
        );
        killedAt.set(id, String(worker.pid));
        const childThen = await client.get(`${id}/kid`);
        expect(childThen?.steps.map((step) => step.id)).toEqual(['work']);
        if (kill === 'child-step-recorded') {
          // Its end neither sent nor written: the parent has not heard of it.
          expect(childThen?.status).toBe('running');
          expect((await client.get(id))?.signals).toEqual([]);
        }
        expect(await client.status(id)).toBe('running');
        worker = await startWorker();
        expect(
          await bounded(
            `${id} finished after the restart`,
            client.wait(id, { timeoutMs: BOUND_MS }),
          ),
        ).toBe('finished');
      }
      const runs = stepRuns(options.journal);
      for (const id of ids) {
        const childId = `${id}/kid`;
        const parent = await client.get(id);
        expect(parent?.result).toEqual({ kid: `${childId} done` });
        expect(parent?.steps.map((step) => [step.kind, step.id])).toEqual([
          ['step', 'before'],
          ['child', 'kid'],
          ['child', 'kid.result'],
          ['step', 'after'],
        ]);
        // The child's end stored once, as the one signal the parent got.
        expect(parent?.signals.map((signal) => signal.name)).toEqual([
          `lidex:child:${childId}`,
        ]);
        const child = await client.get(childId);
        expect(child?.status).toBe('finished');
        expect(child?.result).toBe(`${childId} done`);
        expect(child?.steps.map((step) => step.id)).toEqual(['work']);
        expect(child?.parent?.workflowId).toBe(id);

        // Each step's code ran once; the child's and the first before the kill.
        expect(runs.get(`${id} before`)).toHaveLength(1);
        expect(runs.get(`${childId} work`)).toEqual([killedAt.get(id)]);
        expect(runs.get(`${id} after`)).toHaveLength(1);
        expect(runs.get(`${id} after`)).not.toEqual([killedAt.get(id)]);
      }
      await worker.stop();
    });
  },
);
