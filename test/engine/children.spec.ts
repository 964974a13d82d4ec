import { join } from 'node:path';
import {
  ChildWorkflowError,
  ContextMisuseError,
  DeadlineExceededError,
  defineWorkflow,
  InvalidArgumentError,
  MemoryStore,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { encodeValue } from '../../lib/engine/codec';
import { messages } from '../../lib/lidex.messages';
import { clockEngine } from '../support/clock-engine';
import { gate, makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';
import { dropTestTables, mysqlUrl, testPrefix } from '../support/mysql';
import { tempDir } from '../support/temp-dir';

const HOUR = 60 * 60 * 1000;
const T0 = new Date('2030-01-01T09:00:00Z').getTime();

const dir = tempDir('lidex-children-');
afterAll(async () => {
  dir.remove();
  await dropTestTables();
});
let files = 0;

const Block = defineWorkflow<{ account: string }, { blocked: string }>('block');

const stores: [string, () => Persistence][] = [
  ['memory', () => new MemoryStore()],
  [
    'sqlite',
    () => new SqliteStore({ path: join(dir.path, `lidex-${++files}.sqlite`) }),
  ],
];
if (mysqlUrl) {
  stores.push([
    'mysql',
    () =>
      new MysqlStore({
        url: mysqlUrl!,
        tablePrefix: testPrefix(),
        poolSize: 4,
      }),
  ]);
}

describe.each(stores)('child workflows (%s store)', (_label, makeStore) => {
  let store: Persistence;
  beforeEach(async () => {
    store = makeStore();
    await store.init();
  });
  afterEach(() => store.close());

  it('waits for a child released from memory, resumes with its result, and get() shows parent and children', async () => {
    const hold = gate();
    const runs: string[] = [];
    const { engine } = makeEngine(
      {
        block: async (ctx, input: { account: string }) => {
          runs.push('child');
          await ctx.step('hold', () => hold.promise);
          return { blocked: input.account };
        },
        parent: async (ctx: WorkflowContext) => {
          const handle = await ctx.startChild('block', Block, {
            account: 'a-1',
          });
          const result = await handle.result();
          await ctx.step('after', () => runs.push('after'));
          return { child: handle.workflowId, result };
        },
      },
      { store },
    );
    await engine.start('p', 'parent', null);
    const waiting = await eventually(async () => {
      const info = await engine.get('p');
      return info?.waitingFor ? info : undefined;
    });
    expect(waiting.waitingFor).toEqual({ kind: 'child', childId: 'p/block' });
    expect((await store.getWorkflow('p'))?.leaseToken).toBeUndefined();
    hold.open();
    expect(await engine.result('p', { timeoutMs: 5000 })).toEqual({
      child: 'p/block',
      result: { blocked: 'a-1' },
    });
    expect(runs).toEqual(['child', 'after']);
    expect((await engine.get('p'))?.children).toEqual([
      { workflowId: 'p/block', name: 'block', parentClose: 'cancel' },
    ]);
    expect((await engine.get('p/block'))?.parent).toEqual({
      workflowId: 'p',
      parentClose: 'cancel',
    });
  });

  it('starts a child once across replays, with executeChild', async () => {
    let childRuns = 0;
    let failures = 0;
    const { engine } = makeEngine(
      {
        block: async () => {
          childRuns += 1;
          return { blocked: 'x' };
        },
        parent: async (ctx: WorkflowContext) => {
          const result = await ctx.executeChild('block', Block, {
            account: 'x',
          });
          await ctx.step('flaky', () => {
            if (failures++ < 2) throw new Error('not yet');
          });
          return result;
        },
      },
      { store, maxFailures: 5 },
    );
    await engine.start('p', 'parent', null);
    expect(await engine.result('p', { timeoutMs: 5000 })).toEqual({
      blocked: 'x',
    });
    expect(childRuns).toBe(1);
    expect((await engine.get('p'))?.failures).toBe(2);
    expect((await engine.get('p'))?.children).toHaveLength(1);
    expect(failures).toBe(3);
  });

  it('surfaces an aborted child as a catchable ChildWorkflowError with its error', async () => {
    const { engine } = makeEngine(
      {
        block: async () => {
          throw new Error('card declined');
        },
        parent: async (ctx: WorkflowContext) => {
          try {
            await ctx.executeChild('block', 'block', null);
            return 'no error';
          } catch (error) {
            if (!(error instanceof ChildWorkflowError)) throw error;
            return {
              child: error.childId,
              status: error.status,
              message: error.error.message,
              text: error.message,
            };
          }
        },
      },
      { store, maxFailures: 2 },
    );
    await engine.start('p', 'parent', null);
    expect(await engine.result('p', { timeoutMs: 5000 })).toEqual({
      child: 'p/block',
      status: 'aborted',
      message: 'card declined',
      text: messages.childWorkflowEnded('p/block', 'aborted', 'card declined'),
    });
    // The child tells its parent before it records its own end: the parent may finish first.
    await eventually(
      async () => (await engine.get('p/block'))?.status === 'aborted',
      5000,
      'the child to record its abort',
    );
  });

  it('surfaces a child cancelled by the client as a ChildWorkflowError; the parent goes on', async () => {
    const { engine } = makeEngine(
      {
        block: async (ctx) => {
          await ctx.sleep('long', HOUR);
        },
        parent: async (ctx: WorkflowContext) => {
          const child = await ctx.startChild('c', 'block', null, {
            workflowId: 'chosen-id',
          });
          try {
            await child.result();
          } catch (error) {
            return error instanceof ChildWorkflowError ? error.status : 'other';
          }
          return 'finished';
        },
      },
      { store },
    );
    await engine.start('p', 'parent', null);
    await eventually(async () =>
      (await engine.get('chosen-id'))?.waitingFor === undefined &&
      (await engine.get('p'))?.waitingFor
        ? true
        : undefined,
    );
    expect(await engine.cancel('chosen-id')).toBe(true);
    expect(await engine.result('p', { timeoutMs: 5000 })).toBe('cancelled');
  });

  it('cancelling a parent cancels its cancel children and leaves abandon children running', async () => {
    const hold = gate();
    const { engine } = makeEngine(
      {
        block: async (ctx) => {
          await ctx.step('hold', () => hold.promise);
          return 'done';
        },
        parent: async (ctx: WorkflowContext) => {
          const a = await ctx.startChild('a', 'block', null);
          await ctx.startChild('b', 'block', null, { parentClose: 'abandon' });
          return a.result();
        },
      },
      { store },
    );
    await engine.start('p', 'parent', null);
    await eventually(async () =>
      (await engine.get('p'))?.waitingFor ? true : undefined,
    );
    expect(await engine.cancel('p')).toBe(true);
    expect((await engine.get('p/a'))?.status).toBe('cancelled');
    hold.open();
    expect(await engine.result('p/b', { timeoutMs: 5000 })).toBe('done');
    expect((await engine.get('p/a'))?.status).toBe('cancelled');
  });

  it('a child claimed while its parent is already cancelled cancels itself without running', async () => {
    const ran: string[] = [];
    const now = Date.now();
    await store.insertWorkflow({
      id: 'p',
      name: 'parent',
      input: encodeValue(null, 'input'),
      now,
    });
    await store.cancelWorkflow('p', now);
    await store.insertWorkflow({
      id: 'p/a',
      name: 'block',
      input: encodeValue(null, 'input'),
      now,
      parent: { workflowId: 'p', parentClose: 'cancel' },
    });
    await store.insertWorkflow({
      id: 'p/b',
      name: 'block',
      input: encodeValue(null, 'input'),
      now,
      parent: { workflowId: 'p', parentClose: 'abandon' },
    });
    const { engine } = makeEngine(
      {
        block: async (ctx) => {
          ran.push(ctx.workflowId);
          return 'ran';
        },
      },
      { store },
    );
    expect(await engine.wait('p/a', { timeoutMs: 5000 })).toBe('cancelled');
    expect(await engine.wait('p/b', { timeoutMs: 5000 })).toBe('finished');
    expect(ran).toEqual(['p/b']);
  });

  it('refuses an id already taken by a workflow that is not its child, naming the option', async () => {
    const { engine } = makeEngine(
      {
        block: async () => 'x',
        parent: async (ctx: WorkflowContext) => {
          try {
            await ctx.startChild('block', 'block', null);
          } catch (error) {
            return error instanceof InvalidArgumentError
              ? error.message
              : 'other';
          }
          return 'started';
        },
      },
      { store },
    );
    await engine.start('p/block', 'block', null);
    await engine.start('p', 'parent', null);
    expect(await engine.result('p', { timeoutMs: 5000 })).toBe(
      messages.childIdTaken('p', 'block', 'p/block'),
    );
  });

  it("a handle's result() the code does not await is a ContextMisuseError", async () => {
    const { engine } = makeEngine(
      {
        block: async () => 'x',
        parent: async (ctx: WorkflowContext) => {
          const child = await ctx.startChild('block', 'block', null);
          void child.result();
          return 'returned';
        },
      },
      { store },
    );
    await engine.start('p', 'parent', null);
    expect(await engine.wait('p', { timeoutMs: 5000 })).toBe('aborted');
    expect((await engine.get('p'))?.error).toMatchObject({
      name: ContextMisuseError.name,
      message: messages.ctxCallNotAwaited(
        'p',
        'result() of ctx.startChild("block")',
      ),
    });
  });

  it('sends the child end to the parent before the child end is written', async () => {
    const order: string[] = [];
    const spied = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === 'sendSignal' || key === 'recordFinish') {
          return (...args: unknown[]) => {
            const first = args[0] as { name?: string } | string;
            order.push(
              typeof first === 'string'
                ? `${String(key)} ${first}`
                : `${String(key)} ${first.name}`,
            );
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function'
          ? ((value as (...a: unknown[]) => unknown).bind(target) as unknown)
          : value;
      },
    });
    const { engine } = makeEngine(
      {
        block: async () => 'x',
        parent: async (ctx: WorkflowContext) =>
          ctx.executeChild('block', 'block', null),
      },
      { store: spied },
    );
    await engine.start('p', 'parent', null);
    expect(await engine.result('p', { timeoutMs: 5000 })).toBe('x');
    expect(order).toEqual([
      'sendSignal lidex:child:p/block',
      'recordFinish p/block',
      'recordFinish p',
    ]);
  });

  it('a child past its deadline ends as cancelled and the parent sees the reason (manual clock)', async () => {
    const clock = new ManualClock(T0);
    const { engine } = clockEngine(
      {
        block: async (ctx) => {
          await ctx.sleep('two-hours', 2 * HOUR);
        },
        parent: async (ctx: WorkflowContext) => {
          try {
            await ctx.executeChild('block', 'block', null, { timeoutMs: HOUR });
          } catch (error) {
            if (error instanceof ChildWorkflowError) {
              return { status: error.status, reason: error.error.name };
            }
            throw error;
          }
          return 'finished';
        },
      },
      { store, clock },
    );
    await engine.start('p', 'parent', null);
    const result = engine.result('p', { timeoutMs: 3 * HOUR });
    await clock.advance(HOUR);
    await expect(result).resolves.toEqual({
      status: 'cancelled',
      reason: DeadlineExceededError.name,
    });
    expect((await engine.get('p/block'))?.status).toBe('cancelled');
  });
});
