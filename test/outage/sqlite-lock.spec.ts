import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { RecordingLogger } from '../support/recording-logger';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { tempDir } from '../support/temp-dir';

const WORKFLOWS = 30;
const LOCK_MS = 3_000;

/** Another process takes the SQLite file's write lock and keeps it for `ms`. */
function lockFile(
  path: string,
  ms: number,
): Promise<{ released: Promise<void> }> {
  const code = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', code, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(__dirname, '../..'),
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ released: exited }));
    child.once('error', reject);
  });
}

describe('SQLite file locked by another process', () => {
  const dir = tempDir('lidex-lock-');
  afterAll(() => dir.remove());

  it(`survives a ${LOCK_MS / 1000} s write lock mid-run: workers back off, every workflow finishes`, async () => {
    const path = join(dir.path, 'lidex.sqlite');
    const store = new SqliteStore({ path, busyTimeoutMs: 100 });
    await store.init();
    const logger = new RecordingLogger();
    const runs = new Map<string, number>();
    const engine = new LidexEngine({
      store,
      logger,
      concurrency: 5,
      pollIntervalMs: 20,
      timeoutIntervalMs: 10_000,
      handlers: {
        chain: async (ctx: WorkflowContext) => {
          for (let i = 0; i < 3; i++) {
            await ctx.step(`step-${i}`, async () => {
              const key = `${ctx.workflowId}/${i}`;
              runs.set(key, (runs.get(key) ?? 0) + 1);
              await new Promise((resolve) => setTimeout(resolve, 20));
            });
          }
          return 'done';
        },
      },
    });
    try {
      for (let i = 0; i < WORKFLOWS; i++)
        await engine.start(`w${i}`, 'chain', null);
      engine.startWorker();
      await eventually(() => runs.size >= 20, 10_000, '20 steps');
      const { released } = await lockFile(path, LOCK_MS);
      await released;
      for (let i = 0; i < WORKFLOWS; i++) {
        expect(await engine.wait(`w${i}`, { timeoutMs: 30_000 })).toBe(
          'finished',
        );
        expect((await engine.get(`w${i}`))?.steps).toHaveLength(3);
      }
    } finally {
      await engine.stopWorker();
      await store.close();
    }
    const retries = logger.lines.filter((line) =>
      line.message.includes('database is locked'),
    );
    expect(retries.length).toBeGreaterThan(0);
    expect(runs.size).toBe(WORKFLOWS * 3);
    const rerun = [...runs.values()].filter((count) => count > 1).length;
    expect(rerun).toBe(0);
    reportFigures('sqlite-lock', {
      workflows: WORKFLOWS,
      lockMs: LOCK_MS,
      loggedRetries: retries.length,
      stepsRunTwice: rerun,
    });
  }, 60_000);
});
