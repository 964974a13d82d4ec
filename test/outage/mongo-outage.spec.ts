import { join } from 'node:path';
import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { messages } from '../../lib/lidex.messages';
import { RecordingLogger } from '../support/recording-logger';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import {
  findServerBinary,
  startMongoServer,
  type MongoServer,
} from '../support/mongo-server';
import { tempDir } from '../support/temp-dir';

const WORKFLOWS = 100;
const STEPS = 3;
const OUTAGE_MS = 10_000;

// A server of its own, since this test stops it.
const describeWithServer =
  findServerBinary() || process.env.CI ? describe : describe.skip;

describeWithServer('MongoDB outage', () => {
  const dir = tempDir('lidex-outage-');
  let server: MongoServer;
  let engine: LidexEngine | undefined;
  let store: MongoStore | undefined;

  beforeAll(async () => {
    server = await startMongoServer(join(dir.path, 'data'));
  });

  // Also when the test times out: a worker left polling would keep Jest from exiting.
  afterAll(async () => {
    await engine?.stopWorker();
    await store?.close();
    await server?.stop();
    dir.remove();
  });

  it(`loses none of ${WORKFLOWS} workflows when the server is down for ${OUTAGE_MS / 1000} s mid-run`, async () => {
    const logger = new RecordingLogger();
    store = new MongoStore({
      url: server.url,
      database: 'outage',
      connectTimeoutMs: 3000,
    });
    await store.init();
    const runs = new Map<string, number>();
    engine = new LidexEngine({
      store,
      logger,
      concurrency: 10,
      pollIntervalMs: 50,
      timeoutIntervalMs: 10_000,
      retryIntervalMs: 100,
      handlers: {
        chain: async (ctx: WorkflowContext, input: number) => {
          let total = input;
          for (let i = 0; i < STEPS; i++) {
            total += await ctx.step(`step-${i}`, async () => {
              const key = `${ctx.workflowId}/${i}`;
              runs.set(key, (runs.get(key) ?? 0) + 1);
              await new Promise((resolve) => setTimeout(resolve, 50));
              return 1;
            });
          }
          return total;
        },
      },
    });
    for (let i = 0; i < WORKFLOWS; i++) await engine.start(`w${i}`, 'chain', i);
    engine.startWorker();

    await eventually(
      () => runs.size >= 60,
      20_000,
      '60 steps before the outage',
    );
    // The server goes away as in a crash. (After FerretDB's graceful SIGTERM shutdown, the driver
    // was seen to fail every later operation with "connection N closed" in about 1 run of 3,
    // only in full test runs; not solved yet, see docs/reliability.md.)
    await server.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await server.start();
    const restartedAt = Date.now();

    try {
      for (let i = 0; i < WORKFLOWS; i++) {
        expect(await engine.wait(`w${i}`, { timeoutMs: 60_000 })).toBe(
          'finished',
        );
        const info = await engine.get(`w${i}`);
        expect(info?.result).toBe(i + STEPS);
        expect(info?.steps.map((s) => s.id)).toEqual([
          'step-0',
          'step-1',
          'step-2',
        ]);
      }
      reportFigures('mongo-outage', {
        workflows: WORKFLOWS,
        outageMs: OUTAGE_MS,
        secondsFromRestartToAllFinished: (Date.now() - restartedAt) / 1000,
      });
    } finally {
      await engine.stopWorker();
      await store.close();
      engine = undefined;
      store = undefined;
    }
    // The engine noticed, backed off, and carried on: its claims or its runs' writes failed
    // and were retried (which of them met the outage depends on whether the worker had room).
    expect(
      logger.lines.some(
        (line) =>
          line.message.startsWith('Claiming workflows failed') ||
          line.message.startsWith('Writing workflow'),
      ),
    ).toBe(true);
    expect(runs.size).toBe(WORKFLOWS * STEPS);
    const rerun = [...runs.values()].filter((count) => count > 1).length;
    // Only steps in flight when the server went away can have run twice.
    expect(rerun).toBeLessThanOrEqual(10);
    reportFigures('mongo-outage-steps', { stepsRunTwice: rerun, bound: 10 });
    expect(logger.has(messages.workerStopped())).toBe(true);
  }, 240_000);
});
