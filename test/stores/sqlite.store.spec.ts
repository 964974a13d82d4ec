import {
  existsSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { messages } from '../../lib/lidex.messages';
import { tempDir } from '../support/temp-dir';
import { sqliteSchema } from '../../lib/stores/sqlite/sqlite.schema';
import { SqliteStatements } from '../../lib/stores/sqlite/sqlite.statements';
import { sqliteFlowIndexes } from '../../lib/stores/sqlite/sqlite.flow-control';
import { claimNext } from '../support/claim-next';
import { makeEngine } from '../support/engine-harness';
import { sqliteStoreFactory } from '../support/store-factories';
import {
  clockContract,
  operationsContract,
  persistenceContract,
  schedulesContract,
  signalsContract,
  retentionContract,
  compensationContract,
} from '@lidex/nestjs/testing';

persistenceContract(sqliteStoreFactory());

signalsContract(sqliteStoreFactory());
operationsContract(sqliteStoreFactory());
schedulesContract(sqliteStoreFactory());
retentionContract(sqliteStoreFactory());
compensationContract(sqliteStoreFactory());
clockContract(sqliteStoreFactory(), 'lease-watch');

describe('SqliteStore', () => {
  it('fails to open with an error naming the file when the path cannot be created', async () => {
    const dir = tempDir();
    const notAFolder = join(dir.path, 'plain-file');
    writeFileSync(notAFolder, '');
    const path = join(notAFolder, 'x.sqlite');
    const opening = new SqliteStore({ path }).init();
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(opening).rejects.toThrow(path);
    dir.remove();
  });

  it('opens a file made before attempts and step timing were kept, and keeps its workflows', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'old.sqlite');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE lidex_workflows (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,
        result TEXT, error TEXT, failures INTEGER NOT NULL DEFAULT 0, ready_at INTEGER,
        lease_token TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE lidex_steps (
        workflow_id TEXT NOT NULL, kind TEXT NOT NULL, step_id TEXT NOT NULL, result TEXT,
        wake_at INTEGER, recorded_at INTEGER NOT NULL,
        PRIMARY KEY (workflow_id, kind, step_id));
      INSERT INTO lidex_workflows VALUES ('w', 'wf', 'running', '1', NULL, NULL, 0, 5, 't', 1, 2);
      INSERT INTO lidex_steps VALUES ('w', 'step', 'a', '"x"', NULL, 3);
    `);
    old.close();
    const store = new SqliteStore({ path });
    await store.init();
    expect(await store.getWorkflow('w')).toMatchObject({
      status: 'running',
      attempts: 0,
      version: 1,
      steps: [{ kind: 'step', id: 'a', result: '"x"', recordedAt: 3 }],
    });
    const claimed = await claimNext(store, 10, { token: 'u', until: 20 });
    expect(claimed?.steps).toHaveLength(1);
    expect((await store.getWorkflow('w'))?.attempts).toBe(1);
    await store.close();
    dir.remove();
  });

  it('tells cheaply whether another connection wrote since it last asked', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'shared.sqlite');
    const here = new SqliteStore({ path });
    const there = new SqliteStore({ path });
    await here.init();
    await there.init();
    expect(here.hasForeignWrites()).toBe(false);
    await here.insertWorkflow({ id: 'own', name: 'wf', input: '1', now: 1 });
    expect(here.hasForeignWrites()).toBe(false);
    await there.insertWorkflow({
      id: 'theirs',
      name: 'wf',
      input: '1',
      now: 1,
    });
    expect(here.hasForeignWrites()).toBe(true);
    expect(here.hasForeignWrites()).toBe(false);
    await here.close();
    await there.close();
    dir.remove();
  });

  it('lets an idle worker pick up a workflow started by another instance before its next poll', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'shared.sqlite');
    const workerStore = new SqliteStore({ path });
    const clientStore = new SqliteStore({ path });
    await workerStore.init();
    await clientStore.init();
    const worker = makeEngine(
      { wf: async () => 'done' },
      {
        store: workerStore,
        pollIntervalMs: 600_000,
      },
    );
    const client = makeEngine(
      { wf: async () => 'done' },
      {
        store: clientStore,
        worker: false,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker is idle now
    await client.engine.start('w', 'wf', null);
    expect(await client.engine.wait('w', { timeoutMs: 20_000 })).toBe(
      'finished',
    );
    await worker.engine.stopWorker();
    await workerStore.close();
    await clientStore.close();
    dir.remove();
  });

  it('claims and lists through indexes, whatever the number of finished workflows', () => {
    const db = new Database(':memory:');
    db.exec(sqliteSchema('lidex_'));
    db.exec(sqliteFlowIndexes('lidex_'));
    const statements = new SqliteStatements(db, 'lidex_');
    const plan = (statement: Database.Statement, params: object) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(params) as {
          detail: string;
        }[]
      ).map((row) => row.detail);
    // The claim searches the partial index of workflows that can still run: finished ones are
    // not in it at all, so their number does not matter.
    // With the versions a worker runs too: the version rule only filters what the index finds.
    // By priority, a range of one priority's ready workflows; the priorities by an index seek.
    // The flow limits only filter what the index finds.
    const limits = {
      full_names: '["export"]',
      full_keys: '[["export","k"]]',
      rated_names: '[]',
      rated_keys: '[]',
    };
    for (const versions of ['{}', '{"wf":1,"other":3}']) {
      const params = {
        now: 1,
        lease_token: 't',
        lease_until: 2,
        versions,
        priority: 0,
        ...limits,
      };
      for (const claim of [
        statements.claimNextReady,
        statements.claimNextUnleased,
      ]) {
        expect(plan(claim, params)).toContain(
          'SEARCH lidex_workflows USING INDEX lidex_workflows_priority_ready (priority=? AND ready_at>? AND ready_at<?)',
        );
      }
      for (const claim of [
        statements.claimOldestReady,
        statements.claimOldestUnleased,
      ]) {
        expect(plan(claim, params)).toContain(
          'SEARCH lidex_workflows USING INDEX lidex_workflows_ready (ready_at>? AND ready_at<?)',
        );
      }
    }
    expect(plan(statements.nextPriority, { below: 0 })).toEqual([
      'SEARCH lidex_workflows USING COVERING INDEX lidex_workflows_priority_ready (priority<?)',
    ]);
    expect(
      plan(statements.list({ status: true, name: false, after: true }), {
        status: 'aborted',
        after_created_at: 1,
        after_id: 'x',
        limit: 50,
      }),
    ).toEqual([expect.stringContaining('USING INDEX lidex_workflows_status')]);
    db.close();
  });

  it('opens its connection anew after SQLite refused it a write as read-only', async () => {
    const dir = tempDir();
    const store = new SqliteStore({ path: join(dir.path, 'reopened.sqlite') });
    await store.init();
    // What a connection SQLite opened read-only answers; set here on the store's own connection.
    (
      store as unknown as {
        connection: { current(): { db: Database.Database } };
      }
    ).connection
      .current()
      .db.pragma('query_only = 1');
    const refused = await store
      .insertWorkflow({ id: 'a', name: 'wf', input: '1', now: 1 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((refused as Error).message).toContain(
      'attempt to write a readonly database',
    );
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect(
      await store.insertWorkflow({ id: 'b', name: 'wf', input: '1', now: 1 }),
    ).toBe(true);
    expect((await store.getWorkflow('b'))?.status).toBe('idle');
    await store.close();
    dir.remove();
  });

  it('refuses calls before init() with a clear error', async () => {
    const store = new SqliteStore({ path: '/tmp/never-opened.sqlite' });
    await expect(store.getWorkflow('a')).rejects.toThrow('call init() first');
  });
});

describe('SqliteStore whose file is deleted or replaced while open', () => {
  const newWorkflow = (id: string) => ({ id, name: 'wf', input: '1', now: 1 });

  async function expectStopped(store: SqliteStore, why: string): Promise<void> {
    const stopped = messages.storeStopped(store.describe(), why);
    const calls: (() => Promise<unknown>)[] = [
      () => store.insertWorkflow(newWorkflow('later')),
      () => claimNext(store, 10, { token: 't', until: 20 }),
      () => store.getWorkflow('w'),
      () => store.listWorkflows({ limit: 10 }),
    ];
    for (const call of calls) {
      const error = await call().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toBe(stopped);
    }
    expect(store.hasForeignWrites()).toBe(false);
  }

  it('refuses every call once its file is deleted, saying so, and creates no new file', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'deleted.sqlite');
    const store = new SqliteStore({ path });
    await store.init();
    await store.insertWorkflow(newWorkflow('w'));
    unlinkSync(path);
    await expectStopped(store, messages.sqliteFileDeleted());
    await store.close();
    expect(existsSync(path)).toBe(false);
    dir.remove();
  });

  it('refuses every call once another file is put at its path, and writes nothing there', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'replaced.sqlite');
    const store = new SqliteStore({ path });
    await store.init();
    await store.insertWorkflow(newWorkflow('w'));
    const other = join(dir.path, 'other.sqlite');
    const replacement = new SqliteStore({ path: other });
    await replacement.init();
    await replacement.insertWorkflow(newWorkflow('theirs'));
    await replacement.close();
    renameSync(other, path);
    const atPath = () =>
      [path, `${path}-wal`].map((file) =>
        existsSync(file) ? readFileSync(file).toString('base64') : '',
      );
    const before = atPath();
    await expectStopped(store, messages.sqliteFileReplaced());
    await store.close();
    expect(atPath()).toEqual(before);
    dir.remove();
  });
});
