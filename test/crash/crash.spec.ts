import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LidexEngine,
  MongoStore,
  SqliteStore,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { eventually } from '../support/eventually';
import { dropTestDatabases, mongoUrl, testDatabase } from '../support/mongo';
import { tempDir } from '../support/temp-dir';

const WORKER = join(__dirname, 'crash-worker.js');
const WORKFLOWS = 20;
const STEPS = 5;
const CONCURRENCY = 4; // the worker's

interface StoreUnderTest {
  label: string;
  /** What crash-worker.js is told to open. */
  spec: object;
  open(): Persistence;
}

function startWorker(spec: object, journal: string): Promise<ChildProcess> {
  const child = fork(WORKER, [JSON.stringify(spec), journal], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) =>
      reject(new Error(`crash worker exited early with ${code}`)),
    );
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function journalLines(journal: string): string[][] {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
}

const dir = tempDir('lidex-crash-');
const stores: StoreUnderTest[] = [
  {
    label: 'SQLite',
    spec: { sqlite: join(dir.path, 'lidex.sqlite') },
    open: () => new SqliteStore({ path: join(dir.path, 'lidex.sqlite') }),
  },
];
if (mongoUrl) {
  const database = testDatabase();
  stores.push({
    label: 'MongoDB',
    spec: { mongo: { url: mongoUrl, database } },
    open: () => new MongoStore({ url: mongoUrl, database }),
  });
}

afterAll(async () => {
  await dropTestDatabases();
  dir.remove();
});

describe.each(stores)(
  'crash safety on $label (real processes, SIGKILL)',
  ({ spec, open }) => {
    beforeAll(() => {
      if (!existsSync(join(__dirname, '../../dist/index.js'))) {
        throw new Error(
          'The crash test runs the built package: run `npm run build` first (npm test does).',
        );
      }
    });

    it('two workers share the store; each is killed mid-run and restarted; every workflow finishes, no step lost or recorded twice', async () => {
      const journal = join(dir.path, `journal-${Math.random()}.log`);
      writeFileSync(journal, '');
      const store = open();
      await store.init();
      const client = new LidexEngine({
        store,
        handlers: { chain: (() => undefined) as unknown as WorkflowHandler },
      });
      for (let i = 0; i < WORKFLOWS; i++) {
        await client.start(`order-${i}`, 'chain', { steps: STEPS, stepMs: 30 });
      }

      const killedPids: number[] = [];
      const workers = [
        await startWorker(spec, journal),
        await startWorker(spec, journal),
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
          killedPids.push(workers[victim].pid!);
          await kill(workers[victim]);
          workers[victim] = await startWorker(spec, journal);
        }
        for (let i = 0; i < WORKFLOWS; i++) {
          expect(await client.wait(`order-${i}`, { timeoutMs: 30_000 })).toBe(
            'finished',
          );
        }
      } finally {
        for (const worker of workers) worker.kill('SIGTERM');
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
      const runs = new Map<string, string[]>();
      for (const [workflow, step, pid] of journalLines(journal)) {
        const key = `${workflow} ${step}`;
        runs.set(key, [...(runs.get(key) ?? []), pid]);
      }
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
      await store.close();
    }, 90_000);
  },
);
