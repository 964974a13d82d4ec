import { join } from 'node:path';
import {
  LidexEngine,
  MemoryStore,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { gate } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { dropTestTables, mysqlUrl, testPrefix } from '../support/mysql';
import { RecordingLogger } from '../support/recording-logger';
import { tempDir } from '../support/temp-dir';

let files = 0;

const stores: [string, (dir: string) => Persistence][] = [
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (dir: string): Persistence =>
      new SqliteStore({ path: join(dir, `${(files += 1)}.sqlite`) }),
  ],
];
if (mysqlUrl) {
  stores.push([
    'mysql',
    (): Persistence =>
      new MysqlStore({ url: mysqlUrl!, tablePrefix: testPrefix() }),
  ]);
}

describe.each(stores)('compensation (%s store)', (_label, makeStore) => {
  const dir = tempDir('lidex-compensation-');
  afterAll(async () => {
    dir.remove();
    await dropTestTables();
  });
  const engines: LidexEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  /** A saga of three steps: the first two undone by their compensations, the third held open. */
  const saga = (ran: string[], third: () => Promise<unknown>, undo = {}) => {
    const fails = undo as { release?: () => Promise<void> };
    const handler: WorkflowHandler = async (ctx) => {
      const hold = await ctx.step('reserve', () => 'seat-1', {
        compensate: async (seat: string) => {
          ran.push(`release ${seat}`);
          await fails.release?.();
        },
        retry: { attempts: 3, initialIntervalMs: 1 },
      });
      const charge = await ctx.step('charge', () => ({ id: 'ch-9' }), {
        compensate: (charged: { id: string }, attempt) =>
          ran.push(`refund ${charged.id} (${attempt.idempotencyKey.length})`),
      });
      await ctx.step('ship', third);
      return { hold, charge };
    };
    return handler;
  };

  const engineOn = (
    handlers: Record<string, WorkflowHandler>,
    options: object = {},
  ) => {
    const engine = new LidexEngine({
      store: makeStore(dir.path),
      handlers,
      logger: new RecordingLogger(),
      pollIntervalMs: 10,
      retryIntervalMs: 0,
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  it('runs the compensations of a cancelled workflow once each, in reverse, then it is cancelled', async () => {
    const ran: string[] = [];
    const shipping = gate();
    const inCompensation = gate();
    const letGo = gate();
    const engine = engineOn({
      order: saga(ran, () => shipping.promise, {
        release: async () => {
          inCompensation.open();
          await letGo.promise;
        },
      }),
    });
    await engine.store.init();
    engine.startWorker();
    await engine.start('o-1', 'order', null);
    await eventually(async () => (await engine.get('o-1'))?.steps.length === 2);

    expect(await engine.cancel('o-1')).toBe(true);
    await inCompensation.promise;
    expect(await engine.status('o-1')).toBe('compensating');
    expect(
      (await engine.list({ status: 'compensating' })).workflows,
    ).toHaveLength(1);
    expect((await engine.counts()).compensating).toBe(1);
    letGo.open();
    expect(await engine.wait('o-1')).toBe('cancelled');

    expect(ran).toEqual(['refund ch-9 (36)', 'release seat-1']);
    const info = await engine.get('o-1');
    expect(info?.compensations?.map((c) => [c.stepId, c.status])).toEqual([
      ['charge', 'compensated'],
      ['reserve', 'compensated'],
    ]);
    // Only the workflow's own steps are in `steps`.
    expect(info?.steps.map((s) => s.id)).toEqual(['reserve', 'charge']);
    // Cancelling again changes nothing and runs nothing again.
    expect(await engine.cancel('o-1')).toBe(true);
    expect(await engine.retry('o-1')).toBe(false);
    shipping.open();
  });

  it('compensates an aborted workflow and keeps its failure as the error', async () => {
    const ran: string[] = [];
    const engine = engineOn(
      {
        order: saga(ran, () => Promise.reject(new Error('no courier'))),
      },
      { maxFailures: 2 },
    );
    await engine.store.init();
    engine.startWorker();
    await engine.start('o-2', 'order', null);
    expect(await engine.wait('o-2')).toBe('aborted');
    expect(ran).toEqual(['refund ch-9 (36)', 'release seat-1']);
    const info = await engine.get('o-2');
    expect(info?.error?.message).toBe('no courier');
    expect(info?.compensations).toHaveLength(2);
  });

  it('retries a compensation under its step policy and ends with its error when it gives up', async () => {
    const ran: string[] = [];
    const shipping = gate();
    const engine = engineOn({
      order: saga(ran, () => shipping.promise, {
        release: () => Promise.reject(new Error('seat service down')),
      }),
    });
    await engine.store.init();
    engine.startWorker();
    await engine.start('o-3', 'order', null);
    await eventually(async () => (await engine.get('o-3'))?.steps.length === 2);
    await engine.cancel('o-3');
    expect(await engine.wait('o-3')).toBe('cancelled');

    // Three attempts of the release, and the refund before them, once.
    expect(ran).toEqual([
      'refund ch-9 (36)',
      'release seat-1',
      'release seat-1',
      'release seat-1',
    ]);
    const info = await engine.get('o-3');
    expect(info?.error).toMatchObject({
      name: 'CompensationError',
      message: messages.compensationFailedError('seat service down'),
    });
    const release = info?.compensations?.find((c) => c.stepId === 'reserve');
    expect(release).toMatchObject({
      status: 'failed',
      error: { message: 'seat service down' },
    });
    expect(release?.attempts).toHaveLength(3);
    shipping.open();
  });

  it('terminate ends a workflow without compensating', async () => {
    const ran: string[] = [];
    const shipping = gate();
    const engine = engineOn({ order: saga(ran, () => shipping.promise) });
    await engine.store.init();
    engine.startWorker();
    await engine.start('o-4', 'order', null);
    await eventually(async () => (await engine.get('o-4'))?.steps.length === 2);
    expect(await engine.terminate('o-4')).toBe(true);
    expect(await engine.status('o-4')).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ran).toEqual([]);
    expect((await engine.get('o-4'))?.compensations).toBeUndefined();
    shipping.open();
  });

  it('a workflow cancelled before any compensable step ran is simply cancelled', async () => {
    const ran: string[] = [];
    const before = gate();
    const engine = engineOn({
      order: async (ctx) => {
        await ctx.step('first', () => before.promise);
        return (await saga(ran, () => Promise.resolve())(ctx, null)) as unknown;
      },
    });
    await engine.store.init();
    engine.startWorker();
    await engine.start('o-5', 'order', null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await engine.cancel('o-5')).toBe(true);
    expect(await engine.status('o-5')).toBe('cancelled');
    before.open();
    expect(ran).toEqual([]);
  });
});
