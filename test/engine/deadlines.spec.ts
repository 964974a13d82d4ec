import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DeadlineExceededError,
  InvalidArgumentError,
  LidexEngine,
  MemoryStore,
  type Persistence,
  WorkflowCancelledError,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';
import { clockEngine } from '../support/clock-engine';
import { makeEngine } from '../support/engine-harness';
import { tempDir } from '../support/temp-dir';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = new Date('2030-01-01T09:00:00Z').getTime();

const dir = tempDir('lidex-deadline-');
afterAll(() => dir.remove());
let files = 0;

describe.each([
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (): Persistence =>
      new SqliteStore({ path: join(dir.path, `lidex-${++files}.sqlite`) }),
  ],
])('deadlines (%s store)', (_label, makeStore) => {
  let clock: ManualClock;
  let store: Persistence;
  beforeEach(async () => {
    clock = new ManualClock(T0);
    store = makeStore();
    await store.init();
  });

  it('ends a workflow sleeping 2 days with a 1-day deadline as cancelled at 1 day, in wall milliseconds', async () => {
    const after: string[] = [];
    const { engine } = clockEngine(
      {
        wf: async (ctx) => {
          await ctx.sleep('two-days', 2 * DAY);
          after.push('woke');
          return 'late';
        },
      },
      { store, clock },
    );
    const started = performance.now();
    await engine.start('w', 'wf', null, { timeoutMs: DAY });
    const result = engine.result('w', { timeoutMs: 3 * DAY });
    result.catch(() => undefined);
    await clock.advance(DAY - 1);
    expect((await engine.get('w'))?.status).toBe('running');
    await clock.advance(1);
    const info = await engine.get('w');
    expect(info).toMatchObject({
      status: 'cancelled',
      deadlineAt: new Date(T0 + DAY),
      updatedAt: new Date(T0 + DAY),
      error: {
        name: DeadlineExceededError.name,
        message: messages.deadlineExceeded('w', T0 + DAY),
      },
    });
    expect(info?.error?.message).toMatch(/^deadline exceeded/);
    const thrown = await result.catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(WorkflowCancelledError);
    expect((thrown as WorkflowCancelledError).reason?.name).toBe(
      DeadlineExceededError.name,
    );
    await clock.advance(2 * DAY);
    expect(after).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('stops before the next step once the deadline passed during an in-memory sleep', async () => {
    const ran: string[] = [];
    const { engine } = clockEngine(
      {
        wf: async (ctx) => {
          await ctx.step('a', () => ran.push('a'));
          await ctx.sleep('short', 3_000);
          await ctx.step('b', () => ran.push('b'));
          return 'done';
        },
      },
      { store, clock, sleepInMemoryMaxMs: 5_000 },
    );
    await engine.start('w', 'wf', null, { timeoutMs: 2_000 });
    await clock.advance(2_000);
    expect((await engine.get('w'))?.status).toBe('cancelled');
    await clock.advance(5_000);
    expect(ran).toEqual(['a']);
    expect((await engine.get('w'))?.updatedAt).toEqual(new Date(T0 + 2_000));
  });

  it('does not wait for a retry past the deadline', async () => {
    let attempts = 0;
    const { engine } = clockEngine(
      {
        wf: () => {
          attempts += 1;
          return Promise.reject(new Error('down'));
        },
      },
      { store, clock, retryIntervalMs: HOUR, maxFailures: 5 },
    );
    await engine.start('w', 'wf', null, { timeoutMs: 10 * MINUTE });
    await clock.advance(10 * MINUTE);
    const info = await engine.get('w');
    expect(info?.status).toBe('cancelled');
    expect(info?.error?.name).toBe(DeadlineExceededError.name);
    expect(info?.updatedAt).toEqual(new Date(T0 + 10 * MINUTE));
    expect(attempts).toBe(1);
  });

  it('does not wait for a step attempt past the deadline', async () => {
    let calls = 0;
    const { engine } = clockEngine(
      {
        wf: (ctx) =>
          ctx.step(
            'charge',
            () => {
              calls += 1;
              throw new Error('provider down');
            },
            {
              retry: {
                attempts: 5,
                initialIntervalMs: HOUR,
                maxIntervalMs: HOUR,
              },
            },
          ),
      },
      { store, clock },
    );
    await engine.start('w', 'wf', null, { timeoutMs: 10 * MINUTE });
    await clock.advance(10 * MINUTE);
    const info = await engine.get('w');
    expect(info?.status).toBe('cancelled');
    expect(info?.error?.name).toBe(DeadlineExceededError.name);
    expect(info?.updatedAt).toEqual(new Date(T0 + 10 * MINUTE));
    await clock.advance(5 * HOUR);
    expect(calls).toBe(1);
  });

  it('ends a workflow waiting for a signal with no timeout as cancelled at its deadline', async () => {
    const { engine } = clockEngine(
      {
        wf: async (ctx) => {
          await ctx.waitForSignal('confirmed', 'payment-confirmed');
          return 'paid';
        },
      },
      { store, clock },
    );
    await engine.start('w', 'wf', null, { timeoutMs: DAY });
    await clock.advance(DAY);
    expect(await engine.get('w')).toMatchObject({
      status: 'cancelled',
      updatedAt: new Date(T0 + DAY),
      error: { name: DeadlineExceededError.name },
    });
    expect(await engine.signal('w', 'payment-confirmed', {})).toBe(false);
  });

  it('cancels a workflow claimed after its deadline without running its code', async () => {
    let ran = 0;
    const starter = new LidexEngine({ store, clock, clientOnly: true });
    await starter.start('w', 'wf', null, { timeoutMs: MINUTE });
    await clock.advance(2 * MINUTE);
    const { engine } = clockEngine(
      { wf: () => Promise.resolve(++ran) },
      { store, clock },
    );
    await clock.advance(1_000);
    expect(await engine.get('w')).toMatchObject({
      status: 'cancelled',
      error: { name: DeadlineExceededError.name },
    });
    expect(ran).toBe(0);
  });

  it('lets a workflow that ends before its deadline finish', async () => {
    const { engine } = clockEngine(
      {
        wf: async (ctx) => {
          await ctx.sleep('hour', HOUR);
          return 'ok';
        },
      },
      { store, clock },
    );
    await engine.start('w', 'wf', null, { timeoutMs: DAY });
    await clock.advance(HOUR);
    expect(await engine.result('w')).toBe('ok');
    expect((await engine.get('w'))?.deadlineAt).toEqual(new Date(T0 + DAY));
  });
});

describe('start() timeoutMs', () => {
  it('refuses a timeout that is not a number of ms > 0, naming the option', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve(1) });
    for (const timeoutMs of [0, -5, Number.NaN, '10', Infinity]) {
      await expect(
        engine.start('w', 'wf', null, { timeoutMs } as never),
      ).rejects.toThrow(
        new InvalidArgumentError(messages.startTimeoutInvalid(timeoutMs)),
      );
    }
  });
});
