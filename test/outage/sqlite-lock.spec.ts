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

/**
 * Another process, started and with its driver loaded before `take()`, takes the SQLite file's
 * write lock when told to and keeps it for `ms` (told, not started then: starting a process
 * takes longer than the rest of the run on a loaded machine).
 */
async function lockingProcess(
  path: string,
  ms: number,
): Promise<{ take(): Promise<{ released: Promise<void> }>; kill(): void }> {
  const code = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      db.exec('BEGIN EXCLUSIVE');
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); process.exit(0); }, ${ms});
    });
  `;
  const child = spawn(process.execPath, ['-e', code, path], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: join(__dirname, '../..'),
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const listen = (chunk: Buffer) => {
        if (!chunk.toString().includes(word)) return;
        child.stdout.off('data', listen);
        resolve();
      };
      child.stdout.on('data', listen);
      child.once('error', reject);
      void exited.then(() =>
        reject(new Error(`the locking process exited before "${word}"`)),
      );
    });
  await said('ready');
  return {
    kill: () => child.kill('SIGKILL'),
    take: async () => {
      const locked = said('locked');
      child.stdin.write('go\n');
      await locked;
      return { released: exited };
    },
  };
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
              await new Promise((resolve) => setTimeout(resolve, 50));
            });
          }
          return 'done';
        },
      },
    });
    let locker: Awaited<ReturnType<typeof lockingProcess>> | undefined;
    try {
      for (let i = 0; i < WORKFLOWS; i++)
        await engine.start(`w${i}`, 'chain', null);
      locker = await lockingProcess(path, LOCK_MS);
      engine.startWorker();
      await eventually(() => runs.size >= 20, 10_000, '20 steps');
      const { released } = await locker.take();
      await released;
      for (let i = 0; i < WORKFLOWS; i++) {
        expect(await engine.wait(`w${i}`, { timeoutMs: 30_000 })).toBe(
          'finished',
        );
        expect((await engine.get(`w${i}`))?.steps).toHaveLength(3);
      }
    } finally {
      locker?.kill();
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
