import { join } from 'node:path';
import {
  MemoryStore,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages, type LeaseLossReason } from '../../lib/lidex.messages';
import { makeEngine, type Harness } from '../support/engine-harness';
import { reportFigures } from '../support/figures';
import { slowStore } from '../support/slow-store';
import { tempDir } from '../support/temp-dir';

const LEASE_MS = 1_000;
const DELAY_MS = 550; // every store call takes 55% of a lease
const ENGINES = 4;
const WORKFLOWS = 120;
const STEPS = 3;
const LOSS_REASONS: LeaseLossReason[] = [
  'taken-over',
  'finished',
  'aborted',
  'failed',
  'released',
  'missing',
  'unknown',
];

const dir = tempDir('lidex-slow-store-');
afterAll(() => dir.remove());

/** For each engine, the store it opens: its own connection to one SQLite file, or one memory store. */
const stores: { label: string; open: () => Promise<Persistence[]> }[] = [
  {
    label: 'SQLite',
    open: async () => {
      const path = join(dir.path, 'slow.sqlite');
      const opened: Persistence[] = [];
      for (let i = 0; i < ENGINES; i++) {
        const store = new SqliteStore({ path });
        await store.init();
        opened.push(store);
      }
      return opened;
    },
  },
  {
    label: 'memory',
    open: () => {
      const store = new MemoryStore();
      return Promise.resolve(Array.from({ length: ENGINES }, () => store));
    },
  },
];

describe.each(stores)(
  'a store whose every call takes 55% of a lease ($label)',
  ({ label, open }) => {
    it('loses no lease and runs no step twice; every workflow finishes', async () => {
      const runs = new Map<string, number>();
      const handlers = {
        wf: async (ctx: WorkflowContext) => {
          for (let i = 0; i < STEPS; i++) {
            await ctx.step(`step-${i}`, () => {
              const key = `${ctx.workflowId} step-${i}`;
              runs.set(key, (runs.get(key) ?? 0) + 1);
              return i;
            });
          }
          return 'done';
        },
      };
      const plain = await open();
      const engines: Harness[] = plain.map((store) =>
        makeEngine(handlers, {
          store: slowStore(store, DELAY_MS),
          timeoutIntervalMs: LEASE_MS,
          pollIntervalMs: 50,
          concurrency: 10,
          retryIntervalMs: 100,
        }),
      );
      const ids = Array.from({ length: WORKFLOWS }, (_, i) => `w${i}`);
      const startedAt = Date.now();
      // Started by the engines in turn, so that each begins some at once and claims the rest.
      await Promise.all(
        ids.map((id, i) => engines[i % ENGINES].engine.start(id, 'wf', null)),
      );
      const reader = engines[0].engine;
      const deadline = Date.now() + 90_000;
      let finished = 0;
      while (Date.now() < deadline) {
        finished = (await plain[0].countWorkflows({})).finished;
        if (finished === WORKFLOWS) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const seconds = (Date.now() - startedAt) / 1000;
      const lostLeases = engines
        .flatMap(({ logger }) => logger.lines)
        .filter((line) =>
          ids.some((id) =>
            LOSS_REASONS.some(
              (reason) => line.message === messages.leaseLost(id, reason),
            ),
          ),
        ).length;
      const duplicates = [...runs.values()].filter((n) => n > 1).length;
      reportFigures(`slow-store-${label}`, {
        leaseMs: LEASE_MS,
        delayMs: DELAY_MS,
        engines: ENGINES,
        workflows: WORKFLOWS,
        finished,
        lostLeases,
        duplicateStepRuns: duplicates,
        seconds,
      });
      expect({ finished, lostLeases, duplicates }).toEqual({
        finished: WORKFLOWS,
        lostLeases: 0,
        duplicates: 0,
      });
      expect(runs.size).toBe(WORKFLOWS * STEPS);
      expect((await reader.get('w0'))?.result).toBe('done');
    }, 150_000);
  },
);
