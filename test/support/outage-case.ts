import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import type { Persistence } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { eventually } from './eventually';
import { reportFigures } from './figures';
import { RecordingLogger } from './recording-logger';
import { tempDir } from './temp-dir';

export const WORKFLOWS = 100;
export const STEPS = 3;
export const OUTAGE_MS = 10_000;

/** A server of the test's own, in a temporary folder, that it can stop and start again. */
export interface OutageServer {
  url: string;
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  start(): Promise<void>;
}

export interface OutageCase<S extends Persistence> {
  /** The temporary folder's prefix. */
  dirPrefix: string;
  startServer(dir: string): Promise<OutageServer>;
  /** The store on the server's url (not yet initialised). */
  openStore(url: string): S;
  initStore(store: S, logger: RecordingLogger): Promise<void>;
  /** How the server goes away mid-run. */
  signal: 'SIGKILL' | 'SIGTERM';
  /** The name the figures are reported under. */
  figures: string;
  /** Where given, the count of steps run twice is reported too, under this name. */
  stepFigures?: string;
}

/**
 * Registers, in the calling `describe`, the outage test: {@link WORKFLOWS} workflows of
 * {@link STEPS} steps each run on a server that is stopped mid-run for {@link OUTAGE_MS} and
 * started again; none is lost, and only steps in flight at the stop may run twice. The server,
 * the store and the worker are stopped in `afterAll`, also when the test fails or times out.
 */
export function outageCase<S extends Persistence>(
  options: OutageCase<S>,
): void {
  const dir = tempDir(options.dirPrefix);
  let server: OutageServer;
  let engine: LidexEngine | undefined;
  let store: S | undefined;

  beforeAll(async () => {
    server = await options.startServer(dir.path);
  }, 120_000);

  // Also when the test times out: a worker left polling would keep Jest from exiting.
  afterAll(async () => {
    await engine?.stopWorker();
    await store?.close();
    await server?.stop();
    dir.remove();
  });

  it(`loses none of ${WORKFLOWS} workflows when the server is down for ${OUTAGE_MS / 1000} s mid-run`, async () => {
    const logger = new RecordingLogger();
    store = options.openStore(server.url);
    await options.initStore(store, logger);
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
    for (let i = 0; i < WORKFLOWS; i++) {
      await engine.start(`w${i}`, 'chain', i);
    }
    engine.startWorker();

    await eventually(
      () => runs.size >= 60,
      20_000,
      '60 steps before the outage',
    );
    await server.stop(options.signal);
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
      reportFigures(options.figures, {
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
    if (options.stepFigures) {
      reportFigures(options.stepFigures, { stepsRunTwice: rerun, bound: 10 });
    }
    expect(logger.has(messages.workerStopped())).toBe(true);
  }, 240_000);
}
