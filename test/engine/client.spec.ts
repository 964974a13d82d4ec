import {
  InvalidArgumentError,
  InvalidOptionsError,
  LidexEngine,
  MemoryStore,
  UnknownWorkflowError,
  ValueNotStorableError,
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
    await expect(
      engine.start('w', 'wf', { callback: () => 1 }),
    ).rejects.toThrow(ValueNotStorableError);
    await expect(
      engine.start('w', 'wf', { callback: () => 1 }),
    ).rejects.toThrow('input of workflow "w": value.callback is a function');
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

  it('keeps the original defaults', () => {
    expect(new LidexEngine({ store }).options).toMatchObject({
      maxFailures: 3,
      timeoutIntervalMs: 60_000,
      pollIntervalMs: 1_000,
      retryIntervalMs: 60_000,
    });
  });
});
