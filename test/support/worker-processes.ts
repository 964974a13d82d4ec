import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LidexEngine,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { dropTestDatabases, mongoUrl, testDatabase } from './mongo';
import { dropTestSchemas, postgresUrl, testSchema } from './postgres';
import { tempDir } from './temp-dir';

const WORKER = join(__dirname, 'worker-process.js');
const DIST = join(__dirname, '../../dist/index.js');

/** A store the test process and its worker processes open alike. */
export interface SharedStore {
  label: string;
  /** What worker-process.js is told to open. */
  spec: object;
  open(): Persistence;
}

/**
 * The stores the multi-process tests run on: SQLite always, MongoDB on each server there is (the
 * first, FerretDB or a `mongod`, labelled `MongoDB`; and `mongo-java-server`), and PostgreSQL when
 * a server is there.
 */
export function sharedStores(dir: string): SharedStore[] {
  const path = join(dir, 'lidex.sqlite');
  const stores: SharedStore[] = [
    {
      label: 'SQLite',
      spec: { sqlite: path },
      open: () => new SqliteStore({ path }),
    },
  ];
  if (mongoUrl) {
    const database = testDatabase();
    stores.push({
      label: 'MongoDB',
      spec: { mongo: { url: mongoUrl, database } },
      open: () => new MongoStore({ url: mongoUrl!, database }),
    });
  }
  // The second server, whose conditional updates are atomic: the single-update claim path.
  const javaUrl = process.env.LIDEX_TEST_MONGO_JAVA_URL;
  if (javaUrl) {
    const database = testDatabase(javaUrl);
    stores.push({
      label: 'mongo-java-server',
      spec: { mongo: { url: javaUrl, database } },
      open: () => new MongoStore({ url: javaUrl, database }),
    });
  }
  if (postgresUrl) {
    const schema = testSchema();
    stores.push({
      label: 'PostgreSQL',
      spec: { postgres: { url: postgresUrl, schema } },
      open: () => new PostgresStore({ url: postgresUrl!, schema }),
    });
  }
  return stores;
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** What the worker wrote to stderr (its warnings and errors). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function requireBuild(): void {
  if (!existsSync(DIST)) {
    throw new Error(
      'These tests run the built package: run `npm run build` first (npm test does).',
    );
  }
}

/** Starts a worker process and resolves once it is polling. `env`: added to the process's. */
export function startWorker(
  store: SharedStore,
  journal: string,
  options: object = {},
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  const child = fork(
    WORKER,
    [JSON.stringify(store.spec), journal, JSON.stringify(options)],
    {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.once('message', () =>
      resolve({ child, pid: child.pid!, output: () => output, exited }),
    );
    void exited.then(({ code }) =>
      reject(new Error(`worker exited early with ${code}:\n${output}`)),
    );
  });
}

export async function killWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/** The journal's lines as [workflow, step, pid]. */
export function journalLines(journal: string): string[][] {
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
}

/** How many times each `workflow step` ran, and in which processes. */
export function stepRuns(journal: string): Map<string, string[]> {
  const runs = new Map<string, string[]>();
  for (const [workflow, step, pid] of journalLines(journal)) {
    const key = `${workflow} ${step}`;
    runs.set(key, [...(runs.get(key) ?? []), pid]);
  }
  return runs;
}

/** A folder and the stores of a multi-process suite, both cleaned up after it. */
export function processSuite(prefix: string): {
  dir: string;
  stores: SharedStore[];
} {
  const dir = tempDir(prefix);
  afterAll(async () => {
    await dropTestDatabases();
    await dropTestSchemas();
    dir.remove();
  });
  return { dir: dir.path, stores: sharedStores(dir.path) };
}

/** The workflows worker-process.js runs; the test process only starts and reads them. */
const runsInWorkers = (() =>
  Promise.reject(new Error('runs in the worker processes'))) as WorkflowHandler;

/**
 * The test process's side of a multi-process test: the store opened here, an engine that starts
 * and reads workflows without running them, and an empty journal for the workers.
 */
export async function openClient(
  store: SharedStore,
  dir: string,
  scenario: string,
): Promise<{ journal: string; persistence: Persistence; client: LidexEngine }> {
  const journal = join(dir, `${scenario}-${store.label}.log`);
  writeFileSync(journal, '');
  const persistence = store.open();
  await persistence.init();
  const client = new LidexEngine({
    store: persistence,
    handlers: {
      chain: runsInWorkers,
      stamp: runsInWorkers,
      napper: runsInWorkers,
    },
  });
  return { journal, persistence, client };
}
