import {
  InvalidArgumentError,
  LidexEngine,
  MemoryStore,
  Workflow,
} from '@lidex/nestjs';
import { messages } from '../../lib/lidex.messages';
import { join } from 'node:path';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { makeEngine } from '../support/engine-harness';
import { tempDir } from '../support/temp-dir';

describe('workflow versions: bad input', () => {
  it('refuses a version that is not an integer of 1 or more, in @Workflow(), register() and start()', () => {
    for (const version of [0, -1, 1.5, '2', null]) {
      const where = '@Workflow("ship") option "version"';
      expect(() => Workflow('ship', { version: version as number })).toThrow(
        new InvalidArgumentError(
          messages.invalidWorkflowVersion(where, version),
        ),
      );
    }
    const engine = new LidexEngine({ store: new MemoryStore() });
    expect(() =>
      engine.register('ship', () => Promise.resolve(), { version: 0 }),
    ).toThrow(
      messages.invalidWorkflowVersion('The version of workflow "ship"', 0),
    );
  });

  it('refuses a start() or list() version of the wrong form, storing nothing', async () => {
    const { engine, store } = makeEngine({ ship: () => Promise.resolve() });
    await expect(
      engine.start('a', 'ship', null, { version: 0 }),
    ).rejects.toThrow(
      messages.invalidWorkflowVersion('start() option "version"', 0),
    );
    expect(await store.getWorkflow('a')).toBeUndefined();
    await expect(engine.list({ version: -1 })).rejects.toThrow(
      messages.invalidListOption('version', -1, 'an integer of 0 or more'),
    );
  });

  it('runs on this instance only a version it runs: a newer one started here waits for its workers', async () => {
    const { engine, store } = makeEngine({});
    engine.register('ship', (ctx) => Promise.resolve(ctx.version), {
      version: 2,
    });
    await engine.start('older', 'ship', null, { version: 1 });
    await engine.start('newer', 'ship', null, { version: 3 });
    expect(await engine.wait('older', { timeoutMs: 5_000 })).toBe('finished');
    expect((await engine.get('older'))?.result).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.getWorkflow('newer')).toMatchObject({
      status: 'idle',
      attempts: 0,
      version: 3,
    });
  });

  it('hands back a workflow whose name it does not run at all, whatever its version, as before versions', async () => {
    const store = new MemoryStore();
    await store.insertWorkflow({
      id: 'elsewhere',
      name: 'not-here',
      input: 'null',
      now: Date.now(),
      version: 7,
    });
    const { logger } = makeEngine(
      { ship: () => Promise.resolve() },
      { store, retryIntervalMs: 60_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stored = await store.getWorkflow('elsewhere');
    // Claimed once, logged, and let go until retryIntervalMs later: another instance may run it.
    expect(stored).toMatchObject({ status: 'running', attempts: 1 });
    expect(stored?.leaseToken).toBeUndefined();
    expect(stored!.readyAt! - Date.now()).toBeGreaterThan(50_000);
    expect(logger.messages('warn')).toContain(
      messages.noHandler('elsewhere', 'not-here', 60_000),
    );
  });

  it('hands such a workflow back no sooner than a poll later, and warns once, even with retryIntervalMs 0', async () => {
    // SQLite, not memory: on the memory store the old loop of claim and release never let a
    // timer run, so this test would hang rather than fail.
    const dir = tempDir('lidex-unhandled-');
    const store = new SqliteStore({ path: join(dir.path, 'lidex.sqlite') });
    try {
      await store.init();
      await store.insertWorkflow({
        id: 'elsewhere',
        name: 'not-here',
        input: 'null',
        now: Date.now(),
      });
      const { engine, logger } = makeEngine(
        { ship: () => Promise.resolve() },
        { store, retryIntervalMs: 0, pollIntervalMs: 100 },
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await engine.stopWorker();
      const stored = await store.getWorkflow('elsewhere');
      // About one claim a poll (10 in the second), not one after another with no pause.
      expect(stored!.attempts).toBeGreaterThanOrEqual(2);
      expect(stored!.attempts).toBeLessThanOrEqual(15);
      const warned = logger
        .messages('warn')
        .filter((message) => message.includes('"not-here"'));
      expect(warned).toEqual([
        messages.noHandler('elsewhere', 'not-here', 100),
      ]);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
