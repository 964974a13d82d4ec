import {
  type LidexEngine,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { ManualClock, type StoreFactory } from '@lidex/nestjs/testing';
import { clockEngine } from '../support/clock-engine';
import { eventually } from '../support/eventually';
import {
  describeEachMongo,
  dropTestDatabases,
  mongoStoreFactory,
} from '../support/mongo';
import { describeMysql, mysqlStoreFactory } from '../support/mysql';
import { describePostgres, postgresStoreFactory } from '../support/postgres';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
} from '../support/store-factories';

/** How long (wall time) a result may take when nothing waits on the clock: generous, it is loaded. */
const WALL_BOUND_MS = 8_000;

/**
 * A child's end, or a signal sent from this process, that reaches a workflow while its run still
 * holds the lease: the store makes the workflow ready as the run releases itself to wait, and this
 * process's worker claims it at once. On the manual clock no poll ever comes, so a result that
 * waited for the next poll would never come.
 */
function wakeAfterRelease(factory: StoreFactory): void {
  describe(`a wake that arrives while the run holds its lease (${factory.label} store)`, () => {
    let store: Persistence;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(() => store.close());
    afterAll(() => factory.cleanup());

    /** The workflow's result within WALL_BOUND_MS of wall time, with the clock standing still. */
    const resultOf = async (engine: LidexEngine, id: string) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          void engine
            .get(id)
            .then((info) =>
              reject(
                new Error(
                  `workflow ${id} had no result after ${WALL_BOUND_MS} ms of wall time, the clock not advanced: ${JSON.stringify(info?.status)}, waiting for ${JSON.stringify(info?.waitingFor)}, ready at ${info?.readyAt?.toISOString()}`,
                ),
              ),
            );
        }, WALL_BOUND_MS);
      });
      try {
        return await Promise.race([engine.result(id), late]);
      } finally {
        clearTimeout(timer);
      }
    };

    /** Holds the run (and its lease) until the store shows a signal of `name` for `id`. */
    const untilStored = (id: string, name: string) =>
      eventually(
        async () =>
          (await store.getWorkflow(id))?.signals.some((s) => s.name === name),
        WALL_BOUND_MS,
        `signal ${name} stored for ${id}`,
      ).then(() => undefined);

    it("resumes the parent with its child's result when the child ended before the parent released itself", async () => {
      const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
      const { engine } = clockEngine(
        {
          leaf: async (ctx, n: number) => ctx.step('double', () => n * 2),
          parent: async (ctx: WorkflowContext) => {
            const child = await ctx.startChild('leaf', 'leaf', 21);
            // The child runs and ends meanwhile: its end is stored while this run holds the lease.
            await ctx.step('hold', () =>
              untilStored('p', 'lidex:child:p/leaf'),
            );
            return { child: await child.result() };
          },
        },
        { clock, store },
      );
      await engine.start('p', 'parent', null);
      expect(await resultOf(engine, 'p')).toEqual({ child: 42 });
    });

    it('answers executeChild of a child that finishes fast, the clock never advanced', async () => {
      const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
      const { engine } = clockEngine(
        {
          leaf: async (ctx, n: number) => ctx.step('double', () => n * 2),
          parent: async (ctx: WorkflowContext, n: number) => {
            const results: number[] = [];
            for (let i = 0; i < 3; i++) {
              results.push(await ctx.executeChild(`leaf-${i}`, 'leaf', n + i));
            }
            return results;
          },
        },
        { clock, store },
      );
      await engine.start('e', 'parent', 1);
      expect(await resultOf(engine, 'e')).toEqual([2, 4, 6]);
    });

    it('resumes a wait for a signal this process sent while the run still held its lease', async () => {
      const clock = new ManualClock(new Date('2030-01-01T09:00:00Z'));
      const { engine } = clockEngine(
        {
          waiter: async (ctx: WorkflowContext) => {
            await ctx.step('hold', () => untilStored('s', 'go'));
            return ctx.waitForSignal('go', 'go', { timeoutMs: 60_000 });
          },
        },
        { clock, store },
      );
      await engine.start('s', 'waiter', null);
      await eventually(
        async () => (await store.getWorkflow('s'))?.leaseToken !== undefined,
        WALL_BOUND_MS,
        'the waiter claimed',
      );
      expect(await engine.signal('s', 'go', { ok: true })).toBe(true);
      expect(await resultOf(engine, 's')).toEqual({ ok: true });
    });
  });
}

wakeAfterRelease(memoryStoreFactory());
wakeAfterRelease(sqliteStoreFactory());
describeEachMongo('MongoDB store on $label', (server) => {
  wakeAfterRelease(mongoStoreFactory(server));
  afterAll(dropTestDatabases);
});
describePostgres('PostgreSQL', () => {
  wakeAfterRelease(postgresStoreFactory());
});
describeMysql('MySQL', () => {
  wakeAfterRelease(mysqlStoreFactory());
});
