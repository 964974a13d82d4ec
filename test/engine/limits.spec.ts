import { MemoryStore, ValueNotStorableError } from '@lidex/nestjs';
import { makeEngine } from '../support/engine-harness';

/** A store that keeps a workflow in one record of at most 4,000 bytes, as MongoDB does 15 MiB. */
class SmallRecordStore extends MemoryStore {
  readonly maxWorkflowBytes = 4_000;
}

describe('limits per workflow', () => {
  it('warns once when a workflow nears the store limit, and ends it at once at the limit', async () => {
    const ran: number[] = [];
    const { engine, logger } = makeEngine(
      {
        wf: async (ctx) => {
          for (let i = 0; i < 10; i++) {
            await ctx.step(`part-${i}`, () => {
              ran.push(i);
              return 'x'.repeat(900);
            });
          }
        },
      },
      { store: new SmallRecordStore() },
    );
    await engine.start('big', 'wf', null);
    expect(await engine.wait('big', { timeoutMs: 5000 })).toBe('aborted');
    const info = await engine.get('big');
    expect(info).toMatchObject({ failures: 1, attempts: 1 });
    expect(info?.error?.name).toBe(ValueNotStorableError.name);
    expect(info?.error?.message).toContain(
      "over the store's limit of 4000 bytes per workflow",
    );
    expect(info?.steps.map((step) => step.id)).toEqual([
      'part-0',
      'part-1',
      'part-2',
      'part-3',
    ]);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    const warnings = logger.lines.filter(
      (line) =>
        line.level === 'warn' && line.message.includes('% of the store'),
    );
    expect(warnings.map((line) => line.message)).toEqual([
      expect.stringContaining('Workflow "big" takes 3'),
    ]);
  });
});
