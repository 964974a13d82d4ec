import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LidexEngine, type WorkflowHandler } from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { builtHarness, WorkerProcess } from '../support/worker/launcher';
import {
  processSuite,
  requireBuild,
  stepRuns,
  TEST_WORKER_ENGINE,
  type SharedStore,
} from '../support/worker-processes';

const run = promisify(execFile);

// Sized for CI. LIDEX_CHAOS_WORKFLOWS sets the workflows on every store (the figure:
// 1,000), with kills in proportion; LIDEX_CHAOS_SCALE multiplies both (10 on SQLite: 1,000).
const SCALE = Number(process.env.LIDEX_CHAOS_SCALE ?? 1);
const WORKFLOWS_WANTED =
  process.env.LIDEX_CHAOS_WORKFLOWS === undefined
    ? undefined
    : Number(process.env.LIDEX_CHAOS_WORKFLOWS);
if (
  WORKFLOWS_WANTED !== undefined &&
  !(Number.isInteger(WORKFLOWS_WANTED) && WORKFLOWS_WANTED > 0)
) {
  throw new Error(
    `LIDEX_CHAOS_WORKFLOWS must be a whole number of workflows above 0, such as 1000; it is ${JSON.stringify(process.env.LIDEX_CHAOS_WORKFLOWS)}`,
  );
}
const WORKERS = 3;
const GO = 'go';

/**
 * Per store. FerretDB (label 'MongoDB') does not apply a conditional update atomically, so its
 * store takes a lock document for each send, wait release and claim; fewer workflows there, as
 * it is far slower. (Its 30 workflows once did not finish within 300 s: a lock left by a killed
 * worker was waited for forever, test/crash/mongo-lock-kill.spec.ts.)
 */
const SIZES: Record<
  string,
  { workflows: number; kills: number; concurrency: number; leaseMs: number }
> = {
  SQLite: { workflows: 100, kills: 6, concurrency: 8, leaseMs: 1000 },
  MongoDB: { workflows: 30, kills: 3, concurrency: 4, leaseMs: 3000 },
  'mongo-java-server': {
    workflows: 60,
    kills: 4,
    concurrency: 8,
    leaseMs: 3000,
  },
  PostgreSQL: { workflows: 100, kills: 6, concurrency: 8, leaseMs: 2000 },
  // Fewer: its part stays within about 30 s in CI (LIDEX_CHAOS_SCALE for more).
  MySQL: { workflows: 40, kills: 4, concurrency: 8, leaseMs: 2000 },
};

const pause = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

const runsInWorkers = (() =>
  Promise.reject(new Error('runs in the workers'))) as WorkflowHandler;

const suite = processSuite('lidex-signal-chaos-');

function startWorker(
  store: SharedStore,
  journal: string,
  options: object,
): Promise<WorkerProcess> {
  return WorkerProcess.start({
    store: store.spec,
    engine: { ...TEST_WORKER_ENGINE, ...options },
    workflows: {
      module: builtHarness('signal-workflows.js'),
      options: { journal },
    },
  });
}

/** Round 2's signals, sent by another process: the sender's answer. */
async function sendFromAnotherProcess(
  store: SharedStore,
  ids: string[],
): Promise<{ delivered: number; notDelivered: number }> {
  const signals = ids.map((workflowId) => ({
    workflowId,
    name: GO,
    payload: { round: 2 },
    signalId: `${workflowId}:2`,
  }));
  const { stdout } = await run(
    process.execPath,
    [
      builtHarness('signal-sender.js'),
      JSON.stringify({ store: store.spec, signals }),
    ],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as { delivered: number; notDelivered: number };
}

const shuffled = <T>(items: T[]): T[] =>
  items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);

const signalStores = suite.stores.filter((store) => SIZES[store.label]);

describe.each(signalStores)(
  'signal chaos on $label: workers killed at random while workflows wait for signals',
  (store) => {
    beforeAll(requireBuild);

    const size = SIZES[store.label];
    const WORKFLOWS = (WORKFLOWS_WANTED ?? size.workflows) * SCALE;
    const KILLS = Math.max(
      1,
      Math.round((size.kills * WORKFLOWS) / size.workflows),
    );
    // Five minutes for the CI size, and in proportion for a bigger run.
    const timeoutMs = 300_000 * Math.max(1, WORKFLOWS / size.workflows);

    it(
      `every one of ${WORKFLOWS} workflows consumes its two signals once, gets its child's result and finishes, while ${KILLS} of ${WORKERS} workers are SIGKILLed`,
      async () => {
        const began = Date.now();
        const journal = join(suite.dir, `signals-${store.label}.log`);
        writeFileSync(journal, '');
        const persistence = store.open();
        await persistence.init();
        const client = new LidexEngine({
          store: persistence,
          handlers: {
            'two-signals': runsInWorkers,
            leaf: runsInWorkers,
          },
        });
        const ids = Array.from({ length: WORKFLOWS }, (_, i) => `s-${i}`);
        for (const id of ids)
          await client.start(id, 'two-signals', { child: true });

        const options = {
          concurrency: size.concurrency,
          timeoutIntervalMs: size.leaseMs,
        };
        const workers: WorkerProcess[] = [];
        for (let i = 0; i < WORKERS; i++)
          workers.push(await startWorker(store, journal, options));
        const started = Date.now();
        let sending = true;
        let kills = 0;
        // Kills spread over the sending, one every so often, each worker restarted at once.
        const killing = (async () => {
          while (sending || kills < KILLS) {
            await pause(150 + Math.random() * 250);
            if (kills >= KILLS) {
              if (!sending) break;
              continue;
            }
            const victim = Math.floor(Math.random() * workers.length);
            await workers[victim].kill();
            kills += 1;
            workers[victim] = await startWorker(store, journal, options);
          }
        })();
        let duplicates = 0;
        let sent: { delivered: number; notDelivered: number };
        try {
          // Round 1 from this process, in a random order, some of them before the workflow has
          // reached its wait; then round 2 from another process, while this one sends round 1
          // again (a retried webhook: the same signal ids).
          let delivered1 = 0;
          for (const [i, id] of shuffled(ids).entries()) {
            const delivery = await client.signal(
              id,
              GO,
              { round: 1 },
              { signalId: `${id}:1` },
            );
            if (delivery) delivered1 += 1;
            if (i % 10 === 9) await pause(20);
          }
          expect(delivered1).toBe(WORKFLOWS);
          const round2 = sendFromAnotherProcess(store, shuffled(ids));
          for (const id of ids.filter((_, i) => i % 5 === 0)) {
            await client.signal(id, GO, { round: 1 }, { signalId: `${id}:1` });
            duplicates += 1;
          }
          sent = await round2;
          sending = false;
          await killing;
          // All within the test's time, less a margin for the checks: the first wait may cover
          // most of the run on a slow server (FerretDB's 30 took 58-61 s at load 11-20).
          const waitUntil = began + timeoutMs - 30_000;
          for (const id of ids)
            expect(
              await client.wait(id, {
                timeoutMs: Math.max(1_000, waitUntil - Date.now()),
              }),
            ).toBe('finished');
        } finally {
          sending = false;
          kills = KILLS;
          await killing.catch(() => undefined);
          await Promise.all(workers.map((worker) => worker.stop()));
        }
        const seconds = (Date.now() - started) / 1000;
        // A workflow can only end after both signals, so every one of round 2 was delivered.
        expect(sent).toEqual({ delivered: WORKFLOWS, notDelivered: 0 });

        // From the stored records: two signals each (the repeats stored once), the first
        // consumed by the first wait, the second by the second, each wait recorded once.
        // The child finished, its parent recorded; its end stored once as a signal of its own,
        // its result in the parent's.
        const problems: unknown[] = [];
        let consumed = 0;
        for (const id of ids) {
          const info = await client.get(id);
          const goSignals = info?.signals.filter((s) => s.name === GO) ?? [];
          const signals = goSignals.map((s, i) => [i + 1, s.consumedBy]);
          const waits = info?.steps
            .filter(
              (step) => step.kind === 'signal' && step.signal?.name === GO,
            )
            .map((step) => [
              step.id,
              1 + goSignals.findIndex((s) => s.seq === step.signal?.seq),
            ]);
          consumed += waits?.length ?? 0;
          const childId = `${id}/kid`;
          const child = await client.get(childId);
          const stepIds = info?.steps.map((step) => step.id) ?? [];
          const seen = {
            id,
            status: info?.status,
            result: info?.result,
            signals,
            waits,
            unique: new Set(stepIds).size === stepIds.length,
            childSignals: info?.signals.filter((s) => s.name !== GO).length,
            children: info?.children.map((c) => c.workflowId),
            childStatus: child?.status,
            childParent: child?.parent?.workflowId,
          };
          const expected = {
            id,
            status: 'finished',
            result: [{ round: 1 }, { round: 2 }, `${childId} done`],
            signals: [
              [1, 'first'],
              [2, 'second'],
            ],
            waits: [
              ['first', 1],
              ['second', 2],
            ],
            unique: true,
            childSignals: 1,
            children: [childId],
            childStatus: 'finished',
            childParent: id,
          };
          if (JSON.stringify(seen) !== JSON.stringify(expected))
            problems.push(seen);
        }
        expect(problems).toEqual([]);
        // No parent left waiting, for a child or anything else.
        expect((await client.list({ waiting: 'child' })).workflows).toEqual([]);
        expect((await client.list({ waiting: 'signal' })).workflows).toEqual(
          [],
        );
        // Every workflow's last step ran (at least once: a kill may repeat it).
        const runs = stepRuns(journal);
        expect(ids.filter((id) => !runs.has(`${id} after`))).toEqual([]);
        await eventually(() => true);
        reportFigures(`signal-chaos-${store.label}`, {
          workflows: WORKFLOWS,
          children: WORKFLOWS,
          signals: 2 * WORKFLOWS,
          signalsConsumed: consumed,
          repeatedSignals: duplicates,
          workers: WORKERS,
          kills,
          seconds,
        });
        await persistence.close();
      },
      timeoutMs,
    );
  },
);
