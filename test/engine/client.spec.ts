import {
  InvalidArgumentError,
  InvalidOptionsError,
  LidexClosedError,
  LidexEngine,
  MemoryStore,
  UnknownOptionError,
  UnknownWorkflowError,
  ValueNotStorableError,
  WORKFLOW_STATUSES,
  type WaitOptions,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

describe('client operations', () => {
  it('start is idempotent: false for an id that exists, which keeps its first input', async () => {
    const { engine } = makeEngine({
      wf: (_ctx, input: number) => Promise.resolve(input * 2),
    });
    expect(await engine.start('w', 'wf', 21)).toBe(true);
    expect(await engine.start('w', 'wf', 1000)).toBe(false);
    await engine.wait('w', { timeoutMs: 5000 });
    expect(await engine.get('w')).toMatchObject({ input: 21, result: 42 });
  });

  it('refuses an unknown workflow name, listing the known ones', async () => {
    const { engine } = makeEngine({
      'collect-payment': () => Promise.resolve(),
    });
    const starting = engine.start('w', 'colect-payment', null);
    await expect(starting).rejects.toBeInstanceOf(UnknownWorkflowError);
    await expect(starting).rejects.toThrow(
      messages.unknownWorkflow('colect-payment', ['collect-payment']),
    );
    expect(await engine.get('w')).toBeUndefined();
  });

  it('refuses an empty or non-string id', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    await expect(engine.start('', 'wf', null)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      engine.start(42 as unknown as string, 'wf', null),
    ).rejects.toThrow('A workflow id must be a non-empty string, got number.');
  });

  it('refuses an input that cannot be stored, storing nothing', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    // A compile error in TypeScript (see test/types); JavaScript callers meet the check below.
    const input = { callback: () => 1 } as unknown;
    await expect(engine.start('w', 'wf', input)).rejects.toThrow(
      ValueNotStorableError,
    );
    await expect(engine.start('w', 'wf', input)).rejects.toThrow(
      'input of workflow "w": value.callback is a function',
    );
    expect(await engine.get('w')).toBeUndefined();
  });

  it('refuses a value over the store limit at the step, with both sizes', async () => {
    const store = new MemoryStore();
    Object.defineProperty(store, 'maxValueBytes', { value: 1000 });
    const { engine } = makeEngine(
      { wf: (ctx) => ctx.step('big', () => 'x'.repeat(2000)) },
      { store, maxFailures: 1 },
    );
    await engine.start('w', 'wf', null);
    await engine.wait('w', { timeoutMs: 5000 });
    expect((await engine.get('w'))?.error?.message).toContain(
      "it is 2002 bytes encoded, over the store's limit of 1000 bytes",
    );
  });

  it('wait, in the original form, gives up after `times` checks', async () => {
    const { engine } = makeEngine(
      { wf: () => Promise.resolve() },
      { worker: false },
    );
    await engine.start('w', 'wf', null);
    const started = Date.now();
    expect(await engine.wait('w', ['finished'], 3, 20)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(await engine.wait('w', ['idle'], 1, 20)).toBe('idle');
  });

  it('wait, in the options form, times out with undefined', async () => {
    const { engine } = makeEngine(
      { wf: () => Promise.resolve() },
      { worker: false },
    );
    await engine.start('w', 'wf', null);
    expect(await engine.wait('w', { timeoutMs: 60 })).toBeUndefined();
    expect(await engine.wait('missing', { timeoutMs: 0 })).toBeUndefined();
  });

  it('wait on an id not stored yet finds the workflow once it is started', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve('done') });
    const waiting = engine.wait('later', { timeoutMs: 5000, intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await engine.start('later', 'wf', null);
    expect(await waiting).toBe('finished');
  });

  it('wait refuses a status that does not exist, in both forms, listing the statuses', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    await engine.start('w', 'wf', null);
    const statuses = ['done'] as never[];
    const expected = messages.unknownWaitStatus('done', WORKFLOW_STATUSES);
    const started = Date.now();
    await expect(engine.wait('w', statuses, 10, 10)).rejects.toThrow(
      new InvalidArgumentError(expected),
    );
    await expect(engine.wait('w', { statuses })).rejects.toThrow(
      new InvalidArgumentError(expected),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each<[string, unknown[], unknown, string]>([
    ['statuses', [[], 3, 10], [], 'a non-empty array of statuses'],
    ['times', [['finished'], 0, 10], 0, 'an integer >= 1'],
    ['ms', [['finished'], 3, Number.NaN], Number.NaN, 'a number >= 0'],
    ['options', ['finished'], 'finished', 'an array of statuses or an object'],
    ['timeoutMs', [{ timeoutMs: '5s' }], '5s', 'a number >= 0'],
    ['intervalMs', [{ intervalMs: -1 }], -1, 'a number >= 0'],
  ])('wait refuses a bad %s', async (what, args, value, expected) => {
    const { engine } = makeEngine({});
    const wait = engine.wait.bind(engine) as (
      ...a: unknown[]
    ) => Promise<unknown>;
    const waiting = wait('w', ...args);
    await expect(waiting).rejects.toThrow(
      new InvalidArgumentError(
        messages.invalidWaitArgument(what, value, expected),
      ),
    );
  });

  it('wait refuses an unknown option key, with the closest one', async () => {
    const { engine } = makeEngine({});
    await expect(
      engine.wait('w', { timeout: 5000 } as WaitOptions),
    ).rejects.toThrow(
      messages.unknownOption(
        'wait()',
        'timeout',
        ['statuses', 'timeoutMs', 'intervalMs'],
        messages.didYouMean('timeoutMs'),
      ),
    );
  });

  it('refuses ids that are not strings when reading, so they never reach a query', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    const operator = { $ne: 'x' } as unknown as string;
    await expect(engine.get(operator)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(engine.status(operator)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('refuses a transaction on a store that cannot join one, naming both stores that can', async () => {
    const { engine } = makeEngine({ wf: () => Promise.resolve() });
    const starting = engine.start('w', 'wf', null, { transaction: {} });
    await expect(starting).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(starting).rejects.toThrow(
      'PostgresStore (@lidex/nestjs/postgres)',
    );
    await expect(starting).rejects.toThrow('MysqlStore (@lidex/nestjs/mysql)');
    expect(await engine.get('w')).toBeUndefined();
  });

  it('status and get answer undefined for an unknown id', async () => {
    const { engine } = makeEngine({});
    expect(await engine.status('nope')).toBeUndefined();
    expect(await engine.get('nope')).toBeUndefined();
  });
});

describe('options', () => {
  const store = new MemoryStore();
  it.each([
    ['maxFailures', 0, 'an integer >= 1'],
    ['maxFailures', 1.5, 'an integer >= 1'],
    ['concurrency', -1, 'an integer >= 1'],
    ['pollIntervalMs', -5, 'a number of milliseconds'],
    ['timeoutIntervalMs', 'soon', 'a number of milliseconds'],
    ['retryIntervalMs', Number.NaN, 'a number of milliseconds'],
    ['sleepInMemoryMaxMs', 2 ** 31, 'a number of milliseconds'],
  ])('rejects %s = %p', (option, value, expected) => {
    const create = () => new LidexEngine({ store, [option]: value });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(`Lidex option "${option}" must be ${expected}`);
  });

  it('rejects a store without the Persistence methods, listing the missing ones', () => {
    const create = () => new LidexEngine({ store: {} as never });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(
      /^Lidex option "store" must be a store: .*\(missing: init\(\), close\(\), describe\(\),/,
    );
  });

  it('names every shipped store when refusing one that is not a store', () => {
    const create = () => new LidexEngine({ store: {} as never });
    for (const shipped of [
      'SqliteStore',
      'MongoStore',
      'PostgresStore',
      'MysqlStore',
      'MemoryStore',
    ])
      expect(create).toThrow(shipped);
  });

  it('rejects an unknown key, with the closest known one', () => {
    const create = () => new LidexEngine({ store, concurency: 4 } as never);
    expect(create).toThrow(UnknownOptionError);
    expect(create).toThrow(messages.didYouMean('concurrency'));
  });

  it('rejects a handler that is not a function, and a blank workflow name', () => {
    expect(
      () => new LidexEngine({ store, handlers: { wf: 'run' as never } }),
    ).toThrow(
      new InvalidArgumentError(messages.handlerNotAFunction('wf', 'run')),
    );
    expect(() =>
      new LidexEngine({ store }).register('  ', () => Promise.resolve()),
    ).toThrow(InvalidArgumentError);
  });

  it('keeps the original defaults', () => {
    expect(new LidexEngine({ store }).options).toMatchObject({
      maxFailures: 3,
      timeoutIntervalMs: 60_000,
      pollIntervalMs: 1_000,
      retryIntervalMs: 60_000,
    });
  });
});

describe('a closed engine', () => {
  it('refuses every call that needs the store with LidexClosedError, and runs nothing', async () => {
    const store = new MemoryStore();
    const ran: string[] = [];
    const engine = new LidexEngine({
      store,
      pollIntervalMs: 10,
      handlers: { wf: (_ctx, id: string) => Promise.resolve(ran.push(id)) },
    });
    engine.startWorker();
    await engine.start('before', 'wf', 'before');
    expect(await engine.wait('before', { timeoutMs: 5000 })).toBe('finished');
    await engine.close();

    const calls: [string, () => Promise<unknown>][] = [
      ['start()', () => engine.start('after', 'wf', 'after')],
      ['get()', () => engine.get('before')],
      ['status()', () => engine.status('before')],
      ['list()', () => engine.list()],
      ['counts()', () => engine.counts()],
      ['cancel()', () => engine.cancel('before')],
      ['retry()', () => engine.retry('before')],
      ['wait()', () => engine.wait('before', { timeoutMs: 5000 })],
    ];
    for (const [call, run] of calls) {
      await expect(run()).rejects.toThrow(new LidexClosedError(call));
    }
    expect(() => engine.startWorker()).toThrow(
      new LidexClosedError('startWorker()'),
    );
    expect(ran).toEqual(['before']);
    expect((await store.getWorkflow('after')) ?? 'absent').toBe('absent');
    await engine.close(); // closing twice is harmless
  });
});
