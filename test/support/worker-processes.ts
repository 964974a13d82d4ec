import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LidexEngine,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { dropTestDatabases, mongoUrl, testDatabase } from './mongo';
import { dropTestTables, mysqlUrl, testPrefix } from './mysql';
import { dropTestSchemas, postgresUrl, testSchema } from './postgres';
import { tempDir } from './temp-dir';
import { builtHarness, WorkerProcess } from './worker/launcher';
import { openSpec, type StoreSpec } from './worker/store-spec';

export { WorkerProcess };

const DIST = join(__dirname, '../../dist/index.js');

/** A store the test process and its worker processes open alike. */
export interface SharedStore {
  label: string;
  /** What the worker processes are told to open. */
  spec: StoreSpec;
  open(): Persistence;
}

/**
 * The stores the multi-process tests run on: SQLite always, MongoDB on each server there is (the
 * first, FerretDB or a `mongod`, labelled `MongoDB`; and `mongo-java-server`), and PostgreSQL and
 * MySQL when a server is there.
 */
export function sharedStores(dir: string): SharedStore[] {
  const shared = (label: string, spec: StoreSpec): SharedStore => ({
    label,
    spec,
    open: () => openSpec(spec),
  });
  const stores = [shared('SQLite', { sqlite: join(dir, 'lidex.sqlite') })];
  if (mongoUrl) {
    const database = testDatabase();
    stores.push(shared('MongoDB', { mongodb: { url: mongoUrl, database } }));
  }
  // The second server, whose conditional updates are atomic: the single-update claim path.
  const javaUrl = process.env.LIDEX_TEST_MONGO_JAVA_URL;
  if (javaUrl) {
    const database = testDatabase(javaUrl);
    stores.push(
      shared('mongo-java-server', { mongodb: { url: javaUrl, database } }),
    );
  }
  if (postgresUrl) {
    const schema = testSchema();
    stores.push(
      shared('PostgreSQL', { postgres: { url: postgresUrl, schema } }),
    );
  }
  if (mysqlUrl) {
    const tablePrefix = testPrefix();
    stores.push(shared('MySQL', { mysql: { url: mysqlUrl, tablePrefix } }));
  }
  return stores;
}

export function requireBuild(): void {
  if (!existsSync(DIST)) {
    throw new Error(
      'These tests run the built package: run `npm run build` first (npm test does).',
    );
  }
}

/**
 * The engine settings of the tests' worker processes: polls every 20 ms, leases of 1 s, a retry
 * 100 ms after a failure, 4 workflows at once. `startWorker`'s `options` override them.
 */
export const TEST_WORKER_ENGINE = {
  pollIntervalMs: 20,
  timeoutIntervalMs: 1000,
  retryIntervalMs: 100,
  concurrency: 4,
};

/** The tests' workflows (`chain`, `stamp`, `napper`), noting each step in `journal`. */
export const journalWorkflows = (journal?: string) => ({
  module: builtHarness('journal-workflows.js'),
  options: { journal },
});

/**
 * Starts a worker process of the shared harness (test/support/worker) running the tests'
 * workflows, and resolves once it is polling. `env`: added to the process's.
 */
export function startWorker(
  store: SharedStore,
  journal: string,
  options: object = {},
  env: NodeJS.ProcessEnv = {},
): Promise<WorkerProcess> {
  return WorkerProcess.start(
    {
      store: store.spec,
      engine: { ...TEST_WORKER_ENGINE, ...options },
      workflows: journalWorkflows(journal),
    },
    { env },
  );
}

export async function killWorker(worker: WorkerProcess): Promise<void> {
  await worker.kill();
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
    await dropTestTables();
    dir.remove();
  });
  return { dir: dir.path, stores: sharedStores(dir.path) };
}

/** The workflows the worker processes run; the test process only starts and reads them. */
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
