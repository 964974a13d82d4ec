import {
  InvalidOptionsError,
  LidexEngine,
  MemoryStore,
  systemClock,
  type EngineConfig,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';
import { RecordingLogger } from '../support/recording-logger';
import {
  memoryStoreFactory,
  sqliteStoreFactory,
  type StoreFactory,
} from '../support/store-factories';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse('2030-01-01T00:00:00Z');

const engines: LidexEngine[] = [];
function engine(
  clock: ManualClock,
  handlers: Record<string, WorkflowHandler>,
  config: Partial<EngineConfig> = {},
): LidexEngine {
  const made = new LidexEngine({
    store: new MemoryStore(),
    ...config,
    handlers,
    clock,
  });
  made.startWorker();
  engines.push(made);
  return made;
}
afterEach(() => engines.splice(0));

/** Whether `promise` has settled once the event loop has turned a few times (in real time). */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('ManualClock', () => {
  it('fires timers in time order (equal times in the order set), each one’s work settled before the next', async () => {
    const clock = new ManualClock(START);
    const seen: string[] = [];
    const later = (what: string) => async () => {
      seen.push(`${what} fired at ${clock.monotonic()}`);
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      seen.push(`${what} done`);
    };
    clock.setTimer(30, () => void later('c')());
    clock.setTimer(10, () => void later('a')());
    clock.setTimer(10, () => void later('b')());
    const cancelled = clock.setTimer(20, () => seen.push('cancelled fired'));
    clock.setTimer(50, () => seen.push('beyond'));
    cancelled();
    await clock.advance(40);
    expect(seen).toEqual([
      'a fired at 10',
      'a done',
      'b fired at 10',
      'b done',
      'c fired at 30',
      'c done',
    ]);
    expect(clock.now()).toBe(START + 40);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10);
    expect(seen.at(-1)).toBe('beyond');
  });

  it('advance() moves wall and monotonic time and fires timers; set() moves only the wall time and fires none', async () => {
    const clock = new ManualClock(START);
    let fired = 0;
    clock.setTimer(HOUR, () => fired++);
    await clock.set(START + DAY);
    expect(clock.now()).toBe(START + DAY);
    expect(clock.monotonic()).toBe(0);
    expect(fired).toBe(0);
    await clock.set(START - DAY);
    expect(clock.date.toISOString()).toBe('2029-12-31T00:00:00.000Z');
    await clock.advance(HOUR);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(START - DAY + HOUR);
    expect(clock.monotonic()).toBe(HOUR);
    await expect(clock.advance(-1)).rejects.toThrow(
      messages.manualClockNotAdvancing(-1),
    );
  });

  it('set() to a later date runs a workflow whose day-long sleep is then over', async () => {
    const clock = new ManualClock(START);
    const lidex = engine(clock, {
      wf: async (ctx) => {
        await ctx.sleep('day', DAY);
        return 'awake';
      },
    });
    await lidex.start('w', 'wf', null);
    await clock.runDue();
    await clock.set(START + DAY - 1);
    expect(await lidex.get('w')).toMatchObject({ status: 'running' });
    expect((await lidex.get('w'))!.result).toBeUndefined();
    await clock.set(START + DAY);
    expect(await lidex.get('w')).toMatchObject({
      status: 'finished',
      result: 'awake',
    });
    await lidex.close();
  });

  it('wait() counts its timeout on the clock: resolves when a day-long sleep ends, gives up after 30 s of clock time', async () => {
    const clock = new ManualClock(START);
    const lidex = engine(clock, {
      wf: async (ctx) => {
        await ctx.sleep('day', DAY);
        return 'awake';
      },
    });
    await lidex.start('w', 'wf', null);
    const gaveUp = lidex.wait('w', { timeoutMs: 30_000 });
    const waited = lidex.wait('w', { timeoutMs: 2 * DAY, intervalMs: MINUTE });
    // The clock stands still: neither wait ends on its own.
    expect(await settledSoon(gaveUp)).toBe(false);
    await clock.advance(30_000);
    await expect(gaveUp).resolves.toBeUndefined();
    expect(await settledSoon(waited)).toBe(false);
    await clock.advance(DAY);
    await expect(waited).resolves.toBe('finished');
    await lidex.close();
  });

  it('refuses a clock that is not one, and now beside clock', () => {
    const store = new MemoryStore();
    expect(() => new LidexEngine({ store, clock: {} as never })).toThrow(
      InvalidOptionsError,
    );
    expect(
      () =>
        new LidexEngine({ store, clock: systemClock, now: () => Date.now() }),
    ).toThrow(messages.nowBesideClock());
  });

  it('drains on the clock: close() waits the grace period of clock time for a step under way, then gives up on it', async () => {
    const clock = new ManualClock(START);
    const logger = new RecordingLogger();
    const lidex = engine(
      clock,
      { wf: (ctx) => ctx.step('hangs', () => new Promise<never>(() => {})) },
      { shutdownGraceMs: 10_000, logger },
    );
    await lidex.start('w', 'wf', null);
    await clock.runDue();
    const closed = lidex.close();
    expect(await settledSoon(closed)).toBe(false);
    await clock.advance(9_999);
    expect(await settledSoon(closed)).toBe(false);
    await clock.advance(1 + 1_000);
    await closed;
    expect(logger.has(messages.drainTimedOut(['w']))).toBe(true);
  });
});

describe.each([
  ['memory', memoryStoreFactory],
  ['sqlite', sqliteStoreFactory],
])('the engine on a ManualClock (%s store)', (_label, factory) => {
  let stores: StoreFactory;
  beforeAll(() => (stores = factory()));
  afterAll(() => stores.cleanup());

  it('tries a failed workflow again after a one-hour retry interval, not before', async () => {
    const clock = new ManualClock(START);
    let calls = 0;
    const lidex = engine(
      clock,
      {
        wf: async (ctx) =>
          ctx.step('flaky', () => {
            calls++;
            if (calls === 1) throw new Error('first try fails');
            return 'ok';
          }),
      },
      { store: await stores.create(), retryIntervalMs: HOUR },
    );
    await lidex.start('w', 'wf', null);
    await clock.advance(HOUR - 1);
    expect(await lidex.get('w')).toMatchObject({ status: 'failed' });
    expect(calls).toBe(1);
    await clock.advance(1);
    const info = await lidex.get('w');
    expect(info).toMatchObject({ status: 'finished', result: 'ok' });
    expect(info!.updatedAt.getTime()).toBe(START + HOUR);
    expect(calls).toBe(2);
    await lidex.close();
  });

  it('takes over a 30-day lease when it expires, not before', async () => {
    // The owner's clock never moves: a frozen process, whose step never returns.
    const frozen = new ManualClock(START);
    const clock = new ManualClock(START);
    const leaseMs = 30 * DAY;
    let calls = 0;
    const handlers: Record<string, WorkflowHandler> = {
      wf: async (ctx) =>
        ctx.step('work', () => {
          calls++;
          return calls === 1 ? new Promise<never>(() => {}) : 'taken over';
        }),
    };
    const owner = engine(frozen, handlers, {
      store: await stores.create(),
      timeoutIntervalMs: leaseMs,
      shutdownGraceMs: 0,
    });
    await owner.start('w', 'wf', null);
    await frozen.runDue();
    expect(calls).toBe(1);
    const other = engine(clock, handlers, {
      store: await stores.reopen(),
      timeoutIntervalMs: leaseMs,
    });
    await clock.advance(leaseMs - MINUTE);
    expect(calls).toBe(1);
    expect(await other.status('w')).toBe('running');
    await clock.advance(MINUTE);
    const info = await other.get('w');
    expect(info).toMatchObject({ status: 'finished', result: 'taken over' });
    expect(info!.updatedAt.getTime()).toBe(START + leaseMs);
    expect(calls).toBe(2);
    await other.close();
    const closed = owner.close();
    await frozen.advance(1_000);
    await closed;
  });
});
