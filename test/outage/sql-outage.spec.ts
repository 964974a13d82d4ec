import { LidexEngine, type WorkflowContext } from '@lidex/nestjs';
import type { Persistence } from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { messages } from '../../lib/lidex.messages';
import { RecordingLogger } from '../support/recording-logger';
import { eventually } from '../support/eventually';
import { reportFigures } from '../support/figures';
import { findMysqlBinaries, startMysqlServer } from '../support/mysql-server';
import {
  findPostgresBinaries,
  startPostgresServer,
} from '../support/postgres-server';
import { tempDir } from '../support/temp-dir';

const WORKFLOWS = 100;
const STEPS = 3;
const OUTAGE_MS = 10_000;

/** A server the test can stop and start again: each SQL store's own, in a temporary directory. */
interface OutageServer {
  url: string;
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  start(): Promise<void>;
}

/*
 * SIGKILL: the server dies as in a crash (PostgreSQL's backends with it; InnoDB recovers from its
 * redo log at the next start). SIGTERM: the server's clean (PostgreSQL: fast) shutdown, which
 * closes every connection.
 */
const SERVERS = [
  {
    label: 'PostgreSQL',
    figures: 'postgres-outage',
    found: () => Boolean(findPostgresBinaries()),
    start: (dir: string): Promise<OutageServer> => startPostgresServer(dir),
    open: (url: string): Persistence =>
      new PostgresStore({ url, connectTimeoutMs: 2000 }),
  },
  {
    label: 'MySQL',
    figures: 'mysql-outage',
    found: () => Boolean(findMysqlBinaries()),
    start: (dir: string): Promise<OutageServer> => startMysqlServer(dir),
    open: (url: string): Persistence =>
      new MysqlStore({ url, connectTimeoutMs: 2000 }),
  },
];

describe.each(
  SERVERS.flatMap((kind) =>
    (['SIGKILL', 'SIGTERM'] as const).map((signal) => ({ kind, signal })),
  ),
)('$kind.label outage (server stopped with $signal)', ({ kind, signal }) => {
  // A server of its own, since this test stops it.
  const describeWithServer =
    kind.found() || process.env.CI ? describe : describe.skip;
  describeWithServer('', () => {
    const dir = tempDir(`lidex-${kind.figures}-`);
    let server: OutageServer;
    let engine: LidexEngine | undefined;
    let store: Persistence | undefined;

    beforeAll(async () => {
      server = await kind.start(dir.path);
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
      store = kind.open(server.url);
      await store.init({ logger });
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
      await server.stop(signal);
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
        reportFigures(`${kind.figures}-${signal}`, {
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
      // The engine noticed, backed off, and carried on.
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
      expect(logger.has(messages.workerStopped())).toBe(true);
    }, 240_000);
  });
});
