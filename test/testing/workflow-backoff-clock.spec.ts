import {
  InvalidOptionsError,
  LidexEngine,
  MemoryStore,
  type EngineConfig,
} from '@lidex/nestjs';
import { ManualClock } from '@lidex/nestjs/testing';
import { messages } from '../../lib/lidex.messages';

const MINUTE = 60_000;
const START = Date.parse('2030-01-01T00:00:00Z');

const engines: LidexEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

/** A workflow that fails every time, and the times at which it ran. */
function failing(clock: ManualClock, config: Partial<EngineConfig>) {
  const runs: number[] = [];
  const engine = new LidexEngine({
    store: new MemoryStore(),
    clock,
    pollIntervalMs: 1_000,
    maxFailures: 5,
    ...config,
    handlers: {
      wf: () => {
        runs.push(clock.now() - START);
        return Promise.reject(new Error('down'));
      },
    },
  });
  engine.startWorker();
  engines.push(engine);
  return { engine, runs };
}

describe('the backoff between a workflow\u2019s attempts (manual clock)', () => {
  it('doubles retryIntervalMs after each failure by default, up to maxRetryIntervalMs', async () => {
    const clock = new ManualClock(START);
    const { engine, runs } = failing(clock, {
      retryIntervalMs: MINUTE,
      maxRetryIntervalMs: 3 * MINUTE,
    });
    await engine.start('w', 'wf', null);
    await clock.advance(60 * MINUTE);
    // Failures 1..4 wait 1, 2, 3 (capped), 3 minutes; the fifth ends it.
    expect(runs).toEqual([0, 1, 3, 6, 9].map((m) => m * MINUTE));
    expect(await engine.status('w')).toBe('aborted');
  });

  it('keeps every interval at retryIntervalMs with retryBackoffCoefficient 1', async () => {
    const clock = new ManualClock(START);
    const { engine, runs } = failing(clock, {
      retryIntervalMs: MINUTE,
      retryBackoffCoefficient: 1,
    });
    await engine.start('w', 'wf', null);
    await clock.advance(60 * MINUTE);
    expect(runs).toEqual([0, 1, 2, 3, 4].map((m) => m * MINUTE));
  });

  it('triples with retryBackoffCoefficient 3', async () => {
    const clock = new ManualClock(START);
    const { engine, runs } = failing(clock, {
      retryIntervalMs: MINUTE,
      retryBackoffCoefficient: 3,
      maxFailures: 4,
    });
    await engine.start('w', 'wf', null);
    await clock.advance(60 * MINUTE);
    expect(runs).toEqual([0, 1, 4, 13].map((m) => m * MINUTE));
  });

  it.each([
    [
      { retryBackoffCoefficient: 0.5 },
      'retryBackoffCoefficient',
      'a number from 1 to 100',
    ],
    [
      { retryIntervalMs: 2 * MINUTE, maxRetryIntervalMs: MINUTE },
      'maxRetryIntervalMs',
      messages.invalidRetryBackoff(MINUTE, 2 * MINUTE),
    ],
    [
      { stepRetry: { attempts: 0 } },
      'stepRetry.attempts',
      'an integer from 1 to 1000',
    ],
  ])('refuses %j, naming the option', (options, option, expected) => {
    const build = () =>
      new LidexEngine({ store: new MemoryStore(), ...options });
    expect(build).toThrow(InvalidOptionsError);
    expect(build).toThrow(`Lidex option "${option}" must be ${expected}`);
  });
});
