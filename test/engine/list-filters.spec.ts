import { InvalidArgumentError } from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';

const PRIORITY = 'an integer between -1000000 and 1000000';
const KEY = 'a non-empty string of at most 256 characters';

/** `list()` by priority and by concurrency key: whole-store filters, checked before the store. */
describe('list() by priority and concurrency key', () => {
  it('lists the workflows of one priority or one key, across pages', async () => {
    const { engine } = makeEngine({ export: () => Promise.resolve() });
    await engine.start('a', 'export', null, {
      priority: 5,
      concurrencyKey: 'acme',
    });
    await engine.start('b', 'export', null, { concurrencyKey: 'acme' });
    await engine.start('c', 'export', null, { priority: 5 });
    await engine.start('d', 'export', null, {
      priority: 5,
      concurrencyKey: 'acme',
    });
    const ids = async (options: Parameters<typeof engine.list>[0]) =>
      (await engine.list(options)).workflows.map((w) => w.id).sort();
    expect(await ids({ priority: 5 })).toEqual(['a', 'c', 'd']);
    expect(await ids({ priority: 0 })).toEqual(['b']);
    expect(await ids({ concurrencyKey: 'acme' })).toEqual(['a', 'b', 'd']);
    const first = await engine.list({
      priority: 5,
      concurrencyKey: 'acme',
      limit: 1,
    });
    expect(first.workflows).toHaveLength(1);
    const second = await engine.list({
      priority: 5,
      concurrencyKey: 'acme',
      limit: 1,
      cursor: first.nextCursor,
    });
    expect(
      [...first.workflows, ...second.workflows].map((w) => w.id).sort(),
    ).toEqual(['a', 'd']);
    expect(second.nextCursor).toBeUndefined();
    await engine.close();
  });

  it('refuses a priority or key of the wrong form with an error naming the option', async () => {
    const { engine } = makeEngine({});
    for (const priority of [1.5, '5', 2_000_000, Number.NaN, null]) {
      await expect(
        engine.list({ priority: priority as number }),
      ).rejects.toThrow(
        new InvalidArgumentError(
          messages.invalidListOption('priority', priority, PRIORITY),
        ),
      );
    }
    for (const concurrencyKey of ['', 'k'.repeat(257), 42, null]) {
      await expect(
        engine.list({ concurrencyKey: concurrencyKey as string }),
      ).rejects.toThrow(
        new InvalidArgumentError(
          messages.invalidListOption('concurrencyKey', concurrencyKey, KEY),
        ),
      );
    }
    await engine.close();
  });
});
