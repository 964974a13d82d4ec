import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import {
  DuplicateWorkflowError,
  InvalidOptionsError,
  LidexClosedError,
  LidexModule,
  MemoryStore,
  RequestScopedWorkflowError,
  StoreUnavailableError,
  UnknownWorkflowError,
} from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { messages } from '../../lib/lidex.messages';
import { eventually } from '../support/eventually';
import { trackTimers } from '../support/live-timers';
import { freePort } from '../support/mongo-server';
import { tempDir } from '../support/temp-dir';
import {
  DuplicateGreetingModule,
  GreetingModule,
  GreetingService,
  GreetingWorkflows,
  RequestScopedModule,
  SlowModule,
  SlowWorkflows,
} from './fixtures/greeting.fixture';
import { bootNestApp as boot } from '../support/nest-app';

const fast = { pollIntervalMs: 10, retryIntervalMs: 0 };

describe('LidexModule', () => {
  it('registers only @Workflow methods, under their names', async () => {
    const { client, logger } = await boot([
      LidexModule.forRoot({ persistence: new MemoryStore(), ...fast }),
      GreetingModule,
    ]);
    expect(logger.has(messages.workerStarted(['greet'], 10))).toBe(true);
    await expect(client.start('x', 'helper', null)).rejects.toThrow(
      new UnknownWorkflowError('helper', ['greet']),
    );
  });

  it('fails the bootstrap when two methods share a workflow name, naming both', async () => {
    const booting = boot([
      LidexModule.forRoot({ persistence: new MemoryStore() }),
      GreetingModule,
      DuplicateGreetingModule,
    ]);
    await expect(booting).rejects.toThrow(DuplicateWorkflowError);
    await expect(
      boot([
        LidexModule.forRoot({ persistence: new MemoryStore() }),
        GreetingModule,
        DuplicateGreetingModule,
      ]),
    ).rejects.toThrow(
      messages.duplicateWorkflow(
        'greet',
        'GreetingWorkflows.greet()',
        'OtherGreetingWorkflows.greetAgain()',
      ),
    );
  });

  it('ignores useExisting aliases of a workflow provider (no false duplicate)', async () => {
    @Module({
      providers: [
        GreetingService,
        GreetingWorkflows,
        { provide: 'WORKFLOWS_ALIAS', useExisting: GreetingWorkflows },
      ],
    })
    class AliasedWorkflowsModule {}
    const { client } = await boot([
      LidexModule.forRoot({ persistence: new MemoryStore(), ...fast }),
      AliasedWorkflowsModule,
    ]);
    expect(await client.start('g-1', 'greet', { name: 'Alias' })).toBe(true);
    expect(await client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
  });

  it('fails the bootstrap for a workflow on a request-scoped provider, naming it', async () => {
    const booting = boot([
      LidexModule.forRoot({ persistence: new MemoryStore() }),
      RequestScopedModule,
    ]);
    await expect(booting).rejects.toThrow(RequestScopedWorkflowError);
    await expect(
      boot([
        LidexModule.forRoot({ persistence: new MemoryStore() }),
        RequestScopedModule,
      ]),
    ).rejects.toThrow(
      messages.requestScopedWorkflow(
        'per-request',
        'RequestScopedWorkflows.run()',
      ),
    );
  });

  it('fails the bootstrap on an invalid option, naming it', async () => {
    await expect(
      boot([
        LidexModule.forRoot({ persistence: new MemoryStore(), maxFailures: 0 }),
        GreetingModule,
      ]),
    ).rejects.toThrow(
      new InvalidOptionsError('maxFailures', 0, 'an integer >= 1'),
    );
  });

  it('fails the bootstrap when the store cannot be opened, naming the store', async () => {
    const dir = tempDir();
    writeFileSync(join(dir.path, 'file'), '');
    const path = join(dir.path, 'file', 'lidex.sqlite');
    const booting = boot([
      LidexModule.forRoot({ persistence: new SqliteStore({ path }) }),
      GreetingModule,
    ]);
    await expect(booting).rejects.toThrow(StoreUnavailableError);
    await expect(
      boot([
        LidexModule.forRoot({ persistence: new SqliteStore({ path }) }),
        GreetingModule,
      ]),
    ).rejects.toThrow(`Lidex could not open its store (SQLite file ${path})`);
    dir.remove();
  });

  it('fails the bootstrap within seconds when MongoDB cannot be reached, naming the server', async () => {
    const url = `mongodb://127.0.0.1:${await freePort()}/`;
    const started = Date.now();
    await expect(
      boot([
        LidexModule.forRoot({
          persistence: new MongoStore({ url, connectTimeoutMs: 1000 }),
        }),
        GreetingModule,
      ]),
    ).rejects.toThrow(`Lidex could not open its store (MongoDB ${url}`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes its options from forRootAsync with injected dependencies', async () => {
    @Injectable()
    class LidexConfig {
      readonly store = new MemoryStore();
    }
    @Module({ providers: [LidexConfig], exports: [LidexConfig] })
    class ConfigModule {}

    const { app, client } = await boot([
      LidexModule.forRootAsync({
        imports: [ConfigModule],
        inject: [LidexConfig],
        useFactory: (config: LidexConfig) => ({
          persistence: config.store,
          ...fast,
          maxFailures: 7,
        }),
      }),
      GreetingModule,
    ]);
    await client.start('g-1', 'greet', { name: 'Grace' });
    expect(await client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
    expect(await app.get(LidexConfig).store.getWorkflow('g-1')).toMatchObject({
      status: 'finished',
    });
  });

  it('runs with no options on an embedded SQLite file and says where it is', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir.path);
    try {
      const { app, client, logger } = await boot([
        LidexModule.forRoot(),
        GreetingModule,
      ]);
      const expected = new SqliteStore().describe();
      expect(expected).toContain(dir.path);
      expect(logger.has(messages.storeOpened(expected))).toBe(true);
      await client.start('g-1', 'greet', { name: 'Barbara' });
      expect(await client.wait('g-1', { timeoutMs: 5000 })).toBe('finished');
      await app.close();

      const reopened = new SqliteStore();
      await reopened.init();
      expect((await reopened.getWorkflow('g-1'))?.status).toBe('finished');
      await reopened.close();
    } finally {
      process.chdir(cwd);
      dir.remove();
    }
  });

  it('on close, drains running workflows, closes the store and leaves nothing running', async () => {
    const dir = tempDir();
    const path = `${dir.path}/lidex.sqlite`;
    const resources = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = resources();
    const timers = trackTimers();
    const { app, client, logger } = await boot([
      LidexModule.forRoot({ persistence: new SqliteStore({ path }), ...fast }),
      SlowModule,
    ]);
    await client.start('s-1', 'slow', null);
    const slow = app.get(SlowWorkflows);
    await eventually(() => slow.journal.includes('first'));
    const closing = app.close();
    await eventually(() => logger.has(messages.workerDraining(1, 10_000)));
    slow.release();
    await closing;

    // Not one timer of the app's left, the moment close() resolves...
    expect(timers.pending()).toEqual([]);
    timers.stop();
    // ...nor of Node's on its behalf (Jest's reporter may hold one of its own for 100 ms).
    await eventually(
      () => resources() <= before,
      1_000,
      `the process's timers back to the ${before} before the app`,
    );
    expect(slow.journal).toEqual(['first']);
    await expect(client.status('s-1')).rejects.toThrow(
      new LidexClosedError('status()'),
    );

    const store = new SqliteStore({ path });
    await store.init();
    const stored = await store.getWorkflow('s-1');
    expect(stored).toMatchObject({
      status: 'running',
      steps: [expect.objectContaining({ id: 'first' })],
    });
    expect(stored?.leaseToken).toBeUndefined();
    expect(stored?.readyAt).toBeLessThanOrEqual(Date.now());
    await store.close();

    const next = await boot([
      LidexModule.forRoot({
        persistence: new SqliteStore({ path }),
        ...fast,
      }),
      SlowModule,
    ]);
    next.app.get(SlowWorkflows).release();
    expect(await next.client.wait('s-1', { timeoutMs: 5000 })).toBe('finished');
    expect(next.app.get(SlowWorkflows).journal).toEqual(['second']);
    dir.remove();
  });
});
