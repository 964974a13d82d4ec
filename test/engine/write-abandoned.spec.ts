import { MemoryStore, type StepOutcome, type StoredStep } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';
import { eventually } from '../support/eventually';

/** A store whose step writes never get through, as when its server went away. */
class StepWritesFail extends MemoryStore {
  override recordStep(
    _id: string,
    _token: string,
    _step: StoredStep,
    _next: StepOutcome,
  ): Promise<boolean> {
    return Promise.reject(new Error('connection reset'));
  }
}

describe('a run whose writes keep failing for a whole lease', () => {
  it('stops and says so, naming the cause, instead of reporting an internal error', async () => {
    const ran: string[] = [];
    const { engine, logger } = makeEngine(
      {
        charge: async (ctx) => {
          await ctx.step('charge', () => ran.push('charge'));
          await ctx.step('receipt', () => ran.push('receipt'));
        },
      },
      { store: new StepWritesFail(), timeoutIntervalMs: 1_000 },
    );
    await engine.start('w', 'charge', null);

    // The builder's text around the measured time, which varies.
    const [before, after] = messages
      .writeAbandoned('w', 'connection reset', 12_345)
      .split('12345');
    const said = await eventually(
      () =>
        logger.lines.find(
          (line) =>
            line.level === 'error' &&
            line.message.startsWith(before) &&
            line.message.endsWith(after),
        ),
      15_000,
      'the abandoned write to be logged',
    );
    expect(said.message).toContain('connection reset');
    expect(logger.has('Internal error')).toBe(false);
    // The run stopped at the write: the next step never ran (on a loaded machine a late renewal
    // can let a second claim run the first step again, which is allowed).
    expect(ran).not.toContain('receipt');
  });
});
