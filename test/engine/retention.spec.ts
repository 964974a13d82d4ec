import { join } from 'node:path';
import {
  InvalidOptionsError,
  LidexEngine,
  MemoryStore,
  WorkflowNotEndedError,
  WorkflowNotFoundError,
  type Persistence,
  type WorkflowHandler,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';
import { gate } from '../support/engine-harness';
import { RecordingLogger } from '../support/recording-logger';
import { tempDir } from '../support/temp-dir';

const DAY = 24 * 60 * 60 * 1000;
let files = 0;

describe.each([
  ['memory', (): Persistence => new MemoryStore()],
  [
    'sqlite',
    (dir: string): Persistence =>
      new SqliteStore({ path: join(dir, `${(files += 1)}.sqlite`) }),
  ],
])('retention (%s store)', (_label, makeStore) => {
  const dir = tempDir('lidex-retention-');
  afterAll(() => dir.remove());
  const engines: LidexEngine[] = [];
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
  });

  const open = gate();
  const handlers: Record<string, WorkflowHandler> = {
    quick: async (ctx) => ctx.step('one', () => 1),
    fails: async () => {
      throw new Error('no');
    },
    held: async (ctx) => {
      await ctx.step('wait', () => open.promise);
    },
  };

  const engineOn = (clock: ManualClock, options: object = {}) => {
    const engine = new LidexEngine({
      store: makeStore(dir.path),
      handlers,
      clock,
      logger: new RecordingLogger(),
      maxFailures: 1,
      pollIntervalMs: 10,
      ...options,
    });
    engines.push(engine);
    return engine;
  };

  it('deletes an ended workflow, and refuses one that has not ended or does not exist', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const engine = engineOn(clock);
    await engine.store.init();
    engine.startWorker();
    await engine.start('done', 'quick', null);
    await engine.start('running', 'held', null);
    await clock.advance(100);
    expect(await engine.status('done')).toBe('finished');

    await engine.delete('done');
    expect(await engine.get('done')).toBeUndefined();
    // The id is free again: a new workflow starts under it.
    expect(await engine.start('done', 'quick', null)).toBe(true);

    await expect(engine.delete('running')).rejects.toThrow(
      new WorkflowNotEndedError('running', 'running'),
    );
    await expect(engine.delete('running')).rejects.toThrow(
      messages.workflowNotEnded('running', 'running'),
    );
    expect(await engine.status('running')).toBe('running');
    await expect(engine.delete('nope')).rejects.toThrow(WorkflowNotFoundError);
    open.open();
  });

  it('purges ended workflows older than a duration, of the statuses asked for', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const engine = engineOn(clock, { retention: { batchSize: 2 } });
    await engine.store.init();
    engine.startWorker();
    for (let i = 0; i < 5; i++) await engine.start(`old-${i}`, 'quick', null);
    await engine.start('old-failed', 'fails', null);
    await clock.advance(2 * DAY);
    await engine.start('new', 'quick', null);
    await clock.advance(100);

    expect(await engine.purge({ olderThan: '1d', status: 'finished' })).toBe(5);
    expect(await engine.status('old-0')).toBeUndefined();
    expect(await engine.status('new')).toBe('finished');
    expect(await engine.status('old-failed')).toBe('aborted');
    expect(await engine.purge({ olderThan: DAY })).toBe(1);
    expect(await engine.status('old-failed')).toBeUndefined();
    await expect(
      engine.purge({ olderThan: '1d', status: 'running' as never }),
    ).rejects.toThrow(messages.purgeStatus('running'));
  });

  it('applies the retention option on the clock: each status after its own time', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
    const engine = engineOn(clock, {
      retention: {
        finished: '30d',
        aborted: 90 * DAY,
        batchSize: 3,
        intervalMs: 60 * 60 * 1000,
      },
    });
    await engine.store.init();
    engine.startWorker();
    for (let i = 0; i < 7; i++) await engine.start(`f-${i}`, 'quick', null);
    await engine.start('a', 'fails', null);
    await clock.advance(100);
    await engine.start('c', 'held', null);
    await engine.terminate('c');

    await clock.advance(29 * DAY);
    expect((await engine.counts()).finished).toBe(7);
    await clock.advance(2 * DAY);
    expect((await engine.counts()).finished).toBe(0);
    expect(await engine.status('a')).toBe('aborted');
    expect(await engine.status('c')).toBe('cancelled');
    await clock.advance(60 * DAY);
    expect(await engine.status('a')).toBeUndefined();
    // No retention for cancelled workflows: kept.
    expect(await engine.status('c')).toBe('cancelled');
  });
});

describe('the retention option', () => {
  it('refuses a duration it cannot read, naming the option', () => {
    const make = (retention: unknown) =>
      new LidexEngine({
        store: new MemoryStore(),
        handlers: {},
        retention,
      } as never);
    expect(() => make({ finished: 'soon' })).toThrow(InvalidOptionsError);
    expect(() => make({ finished: 'soon' })).toThrow('retention.finished');
    expect(() => make({ finsihed: '30d' })).toThrow('finished');
    expect(() => make({ finished: -1 })).toThrow(InvalidOptionsError);
    expect(() => make({ finished: '30d', batchSize: 0 })).toThrow(
      'retention.batchSize',
    );
  });
});
