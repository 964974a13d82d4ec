import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { LidexEngine } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';
import {
  journalWorkflows,
  requireBuild,
  TEST_WORKER_ENGINE,
  WorkerProcess,
} from '../support/worker-processes';
import type { FromWorker } from '../support/worker/protocol';

/**
 * The worker runs as an unprivileged user: root (as these tests and CI run) writes any file
 * whatever its permission bits.
 */
const NOBODY = 65534;
const WORKFLOWS = 40;

/**
 * A worker as user `nobody` that opens the SQLite file the way a supervised app keeps trying to
 * start: `init()` again every 200 ms until it succeeds, each failure reported.
 */
function startNobodyWorker(path: string): WorkerProcess {
  return WorkerProcess.launch(
    {
      store: { sqlite: path },
      engine: { ...TEST_WORKER_ENGINE, concurrency: 8 },
      workflows: journalWorkflows(),
      initRetryMs: 200,
    },
    { uid: NOBODY, gid: NOBODY },
  );
}

type InitFailed = Extract<FromWorker, { type: 'initFailed' }>;

const initFailures = (worker: WorkerProcess) =>
  worker.reports.filter(
    (report): report is InitFailed => report.type === 'initFailed',
  );

const passThrough = () => Promise.reject(new Error('runs in the worker'));

describe('SQLite file this process cannot write', () => {
  beforeAll(requireBuild);
  const dir = tempDir('lidex-readonly-');
  afterAll(() => dir.remove());

  /** A file of root's, mode 0644, in a folder anyone can write, with `WORKFLOWS` to run. */
  async function readOnlyFile(name: string): Promise<string> {
    const folder = join(dir.path, name);
    const path = join(folder, 'lidex.sqlite');
    const setup = new SqliteStore({ path });
    await setup.init();
    const client = new LidexEngine({
      store: setup,
      handlers: { chain: passThrough },
    });
    for (let i = 0; i < WORKFLOWS; i++)
      await client.start(`w${i}`, 'chain', { steps: 3, stepMs: 5 });
    await setup.close();
    chmodSync(dir.path, 0o755);
    chmodSync(folder, 0o777);
    chmodSync(path, 0o644);
    return path;
  }

  async function expectAllFinished(path: string): Promise<void> {
    const store = new SqliteStore({ path });
    await store.init();
    const engine = new LidexEngine({ store, handlers: { chain: passThrough } });
    try {
      for (let i = 0; i < WORKFLOWS; i++) {
        expect(await engine.wait(`w${i}`, { timeoutMs: 30_000 })).toBe(
          'finished',
        );
      }
    } finally {
      await store.close();
    }
  }

  it('fails at start naming the file and the cause, and opens (and runs every workflow) once the file is writable', async () => {
    const path = await readOnlyFile('writable-folder');
    const worker = startNobodyWorker(path);
    try {
      const first = await eventually(
        () => worker.reports[0],
        15_000,
        "the worker's first init()",
      );
      expect(first).toEqual({
        type: 'initFailed',
        name: 'StoreUnavailableError',
        message: messages.storeUnavailable(
          `SQLite file ${path}`,
          messages.sqliteNotWritable(
            `uid ${NOBODY}`,
            'attempt to write a readonly database',
          ),
        ),
      });

      chmodSync(path, 0o666);
      const writableAt = Date.now();
      await eventually(
        () => worker.ready,
        10_000,
        'init() to succeed once the file is writable',
      );
      const openedMs = Date.now() - writableAt;
      await expectAllFinished(path);
      const finishedMs = Date.now() - writableAt;
      expect(worker.output()).not.toContain('readonly');
      reportFigures('sqlite-readonly', {
        workflows: WORKFLOWS,
        failedInits: initFailures(worker).length,
        openedAfterWritableMs: openedMs,
        allFinishedAfterWritableMs: finishedMs,
      });
    } finally {
      await worker.kill();
    }
  }, 90_000);

  it('fails at start when the folder cannot be written, naming the file and the cause', async () => {
    // SQLite keeps its "-wal" and "-shm" files beside the database: the folder must be writable.
    const folder = join(dir.path, 'read-only-folder');
    const path = join(folder, 'lidex.sqlite');
    const setup = new SqliteStore({ path });
    await setup.init();
    await setup.close();
    chmodSync(dir.path, 0o755);
    chmodSync(folder, 0o755);
    chmodSync(path, 0o666);

    const worker = startNobodyWorker(path);
    try {
      const first = await eventually(
        () => initFailures(worker)[0],
        15_000,
        "the worker's first init()",
      );
      expect(first.name).toBe('StoreUnavailableError');
      expect(first.message).toBe(
        messages.storeUnavailable(
          `SQLite file ${path}`,
          messages.sqliteNotWritable(
            `uid ${NOBODY}`,
            'attempt to write a readonly database',
          ),
        ),
      );
    } finally {
      await worker.kill();
    }
  }, 60_000);
});
