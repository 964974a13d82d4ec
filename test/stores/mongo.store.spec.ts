import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BSON, MongoClient } from 'mongodb';
import { StoreUnavailableError, ValueNotStorableError } from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { makeEngine } from '../support/engine-harness';
import {
  describeEachMongo,
  mongoStoreFactory,
  testDatabase,
  dropTestDatabases,
} from '../support/mongo';
import { freePort } from '../support/mongo-server';
import {
  clockContract,
  operationsContract,
  persistenceContract,
  schedulesContract,
  signalsContract,
  retentionContract,
  compensationContract,
} from '@lidex/nestjs/testing';

/** The README's text from the line starting `from` to the one starting `to`. */
const readmeSection = (from: string, to: string): string => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf(from);
  return readme.slice(start, readme.indexOf(to, start));
};

describeEachMongo('MongoDB store on $label', (server) => {
  const mongoUrl = server.url;
  persistenceContract(mongoStoreFactory(server));
  signalsContract(mongoStoreFactory(server));
  operationsContract(mongoStoreFactory(server));
  schedulesContract(mongoStoreFactory(server));
  retentionContract(mongoStoreFactory(server));
  compensationContract(mongoStoreFactory(server));
  clockContract(mongoStoreFactory(server), 'server-clock');

  afterAll(dropTestDatabases);

  it('creates only indexes the README names, on the collections it names', async () => {
    const database = testDatabase(mongoUrl);
    const store = new MongoStore({ url: mongoUrl, database });
    await store.init();
    const client = new MongoClient(mongoUrl);
    try {
      const db = client.db(database);
      const section = readmeSection('- **Indexes**', '- **Replica sets');
      const created: string[] = [];
      for (const { name } of await db.listCollections().toArray()) {
        for (const index of await db.collection(name).indexes())
          if (index.name !== '_id_') created.push(`${name} ${index.name}`);
      }
      const unnamed = created.filter(
        (entry) =>
          !section.includes(`\`${entry.split(' ')[1]}\``) ||
          !section.includes(
            `\`<prefix>${entry.split(' ')[0].slice('lidex_'.length)}\``,
          ),
      );
      expect(created.length).toBeGreaterThanOrEqual(15);
      expect(unnamed).toEqual([]);
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('works on a shared MongoClient without closing it', async () => {
    const client = new MongoClient(mongoUrl);
    await client.connect();
    const store = new MongoStore({ client, database: testDatabase(mongoUrl) });
    await store.init();
    // The store's name in logs and errors reads as a phrase.
    expect(store.describe()).toMatch(
      /^MongoDB through the app's MongoClient, database "[^"]+", collection lidex_workflows/,
    );
    expect(
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: 1 }),
    ).toBe(true);
    await store.close();
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({
      ok: 1,
    });
    await client.close();
  });

  it(`asks the engine for one write of a run at a time only on a non-atomic server (${server.atomic ? 'not here' : 'here'})`, async () => {
    const store = new MongoStore({
      url: mongoUrl,
      database: testDatabase(mongoUrl),
    });
    await store.init();
    expect(store.serialWritesPerWorkflow).toBe(!server.atomic);
    await store.close();
  });

  it('creates its indexes idempotently, on every start', async () => {
    const database = testDatabase(mongoUrl);
    for (let i = 0; i < 2; i++) {
      const store = new MongoStore({ url: mongoUrl, database });
      await store.init();
      await store.close();
    }
    const client = new MongoClient(mongoUrl);
    const indexes = await client
      .db(database)
      .collection('lidex_workflows')
      .indexes();
    expect(indexes.map((index) => index.name)).toContain('lidex_ready');
    await client.close();
  });

  it('fails to start within seconds, naming the server, when it cannot be reached', async () => {
    const port = await freePort();
    const store = new MongoStore({
      url: `mongodb://127.0.0.1:${port}/`,
      connectTimeoutMs: 500,
    });
    const started = Date.now();
    const opening = store.init();
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(opening).rejects.toThrow(
      `MongoDB mongodb://127.0.0.1:${port}/`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describe('with the engine', () => {
    let store: MongoStore;
    beforeEach(async () => {
      store = new MongoStore({
        url: mongoUrl,
        database: testDatabase(mongoUrl),
      });
      await store.init();
    });
    afterEach(() => store.close());

    it('round-trips dates and nested values through a replay', async () => {
      let attempt = 0;
      const { engine } = makeEngine(
        {
          wf: async (ctx) => {
            attempt++;
            const value = await ctx.step('nested', () => ({
              at: new Date('2030-01-02T03:04:05.678Z'),
              deep: { list: [1, null, { 'a.b': '$x' }] },
            }));
            if (attempt === 1) throw new Error('replay please');
            return value;
          },
        },
        { store },
      );
      await engine.start('w', 'wf', { when: new Date(0) });
      expect(await engine.wait('w', { timeoutMs: 10_000 })).toBe('finished');
      const info = await engine.get('w');
      expect(info?.input).toEqual({ when: new Date(0) });
      expect(info?.result).toEqual({
        at: new Date('2030-01-02T03:04:05.678Z'),
        deep: { list: [1, null, { 'a.b': '$x' }] },
      });
    });

    it('refuses a step result too large for a document, at that step, ending the workflow after one run', async () => {
      let runs = 0;
      const { engine } = makeEngine(
        {
          wf: async (ctx) =>
            ctx.step('huge', () => {
              runs++;
              return 'x'.repeat(15.8e6);
            }),
        },
        { store, retryIntervalMs: 60_000 },
      );
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w', { timeoutMs: 20_000 })).toBe('aborted');
      expect(runs).toBe(1);
      const info = await engine.get('w');
      expect(info).toMatchObject({ failures: 1, attempts: 1 });
      expect(info?.error?.name).toBe('ValueNotStorableError');
      expect(info?.error?.message).toContain(
        'result of step "huge" in workflow "w"',
      );
      expect(info?.steps).toEqual([]);
    });

    it('refuses a step that would grow the workflow past the document limit, with a clear error', async () => {
      const { engine } = makeEngine(
        {
          wf: async (ctx) => {
            await ctx.step('first', () => 'x'.repeat(9 * 1024 * 1024));
            await ctx.step('second', () => 'y'.repeat(9 * 1024 * 1024));
          },
        },
        { store, retryIntervalMs: 60_000 },
      );
      await engine.start('w', 'wf', null);
      expect(await engine.wait('w', { timeoutMs: 30_000 })).toBe('aborted');
      const info = await engine.get('w');
      expect(info?.error?.name).toBe('ValueNotStorableError');
      expect(info?.error?.message).toContain(
        "over the store's limit of 15728640 bytes per workflow",
      );
      expect(info?.steps.map((s) => s.id)).toEqual(['first']);
    });

    it('refuses an input too large for a document when starting', async () => {
      const { engine } = makeEngine({ wf: () => Promise.resolve() }, { store });
      await expect(
        engine.start('w', 'wf', 'x'.repeat(16 * 1024 * 1024)),
      ).rejects.toThrow(ValueNotStorableError);
      expect(await engine.get('w')).toBeUndefined();
    });
  });

  describe('step writes', () => {
    it('records a step once when its write is repeated after the answer was lost', async () => {
      const store = new MongoStore({
        url: mongoUrl,
        database: testDatabase(mongoUrl),
      });
      await store.init();
      await store.insertWorkflow({ id: 'w', name: 'wf', input: '1', now: 1 });
      const [held] = await store.claimReady(2, [{ token: 'a', until: 1_000 }]);
      // The first write is applied, and its answer lost on the way back.
      const workflows = (
        store as unknown as {
          opened: {
            workflows: { updateOne: (...args: unknown[]) => Promise<unknown> };
          };
        }
      ).opened.workflows;
      const update = workflows.updateOne.bind(workflows);
      let calls = 0;
      workflows.updateOne = async (...args: unknown[]) => {
        const answer = await update(...args);
        if (++calls === 1) throw new Error('connection reset');
        return answer;
      };
      const step = {
        kind: 'step' as const,
        id: 's',
        result: '1',
        recordedAt: 3,
      };
      const next = { readyAt: 1_000, release: false, now: 3 };
      await expect(
        store.recordStep('w', held.leaseToken, step, next),
      ).rejects.toThrow('connection reset');
      expect(await store.recordStep('w', held.leaseToken, step, next)).toBe(
        true,
      );
      expect((await store.getWorkflow('w'))?.steps).toEqual([step]);
      // The lease still fences: a write under another token is refused.
      expect(await store.recordStep('w', 'b', { ...step, id: 't' }, next)).toBe(
        false,
      );
      await store.close();
    });
  });

  it('sends a step write of the same size at step 10 and step 250: one pushed step, never the whole list', async () => {
    const client = new MongoClient(mongoUrl, { monitorCommands: true });
    const updateBytes: number[] = [];
    client.on('commandStarted', (event) => {
      if (event.commandName === 'update') {
        updateBytes.push(BSON.calculateObjectSize(event.command));
      }
    });
    const store = new MongoStore({ client, database: testDatabase(mongoUrl) });
    await store.init();
    const now = Date.now();
    const lease = { token: 'held', until: now + 600_000 };
    await store.insertWorkflow(
      { id: 'long', name: 'wf', input: '1', now },
      lease,
    );
    for (let i = 1; i <= 250; i++) {
      const id = `step-${String(i).padStart(3, '0')}`;
      expect(
        await store.recordStep(
          'long',
          lease.token,
          { kind: 'step', id, result: '"result"', recordedAt: now },
          { readyAt: lease.until, release: false, now },
        ),
      ).toBe(true);
    }
    expect(updateBytes).toHaveLength(250);
    expect(updateBytes[249]).toBe(updateBytes[9]);
    expect((await store.getWorkflow('long'))?.steps).toHaveLength(250);
    await store.close();
    await client.close();
  });

  describe('claims', () => {
    it('uses claim documents only on FerretDB, and says so', async () => {
      const store = new MongoStore({
        url: mongoUrl,
        database: testDatabase(mongoUrl),
      });
      await store.init();
      expect(store.describe().includes('claim documents')).toBe(
        server.kind === 'ferretdb',
      );
      await store.close();
    });

    it("with 'single-update', claims oldest first in one command per workflow", async () => {
      const client = new MongoClient(mongoUrl, { monitorCommands: true });
      const commands: string[] = [];
      client.on('commandStarted', (event) => commands.push(event.commandName));
      const store = new MongoStore({
        client,
        database: testDatabase(mongoUrl),
        claims: 'single-update',
      });
      await store.init();
      for (let i = 0; i < 3; i++) {
        await store.insertWorkflow({
          id: `w${i}`,
          name: 'wf',
          input: '1',
          now: 10 - i,
        });
      }
      commands.length = 0;
      const claimed = await store.claimReady(100, [
        { token: 'a', until: 1_000 },
        { token: 'b', until: 1_000 },
      ]);
      expect(claimed.map((c) => [c.id, c.leaseToken])).toEqual([
        ['w2', 'a'],
        ['w1', 'b'],
      ]);
      // A server without a query planner (mongo-java-server, FerretDB) scans and sorts for a
      // sorted update: there the batch is read once, each workflow then won as read.
      expect(commands).toEqual(
        server.kind === 'mongod'
          ? ['findAndModify', 'findAndModify']
          : ['find', 'findAndModify', 'findAndModify'],
      );
      expect(await store.getWorkflow('w2')).toMatchObject({
        status: 'running',
        attempts: 1,
        leaseToken: 'a',
        readyAt: 1_000,
      });
      expect(
        await store.recordFinish('w2', 'a', { result: '1', now: 101 }),
      ).toBe(true);
      await store.close();
      await client.close();
    });

    it.each(['single-update', 'claim-documents'] as const)(
      "with '%s', hands over the workflows a batch won before the server failed part-way",
      async (claims) => {
        const store = new MongoStore({
          url: mongoUrl,
          database: testDatabase(mongoUrl),
          claims,
        });
        await store.init();
        for (let i = 0; i < 3; i++) {
          await store.insertWorkflow({
            id: `w${i}`,
            name: 'wf',
            input: '1',
            now: i,
          });
        }
        // The second claim's update fails, as if the server went away in the middle of the batch.
        const workflows = (
          store as unknown as {
            opened: {
              workflows: {
                findOneAndUpdate: (...args: unknown[]) => Promise<unknown>;
              };
            };
          }
        ).opened.workflows;
        const update = workflows.findOneAndUpdate.bind(workflows);
        let calls = 0;
        workflows.findOneAndUpdate = (...args: unknown[]) =>
          ++calls === 2
            ? Promise.reject(new Error('connection reset'))
            : update(...args);
        const claimed = await store.claimReady(10, [
          { token: 'a', until: 1_000 },
          { token: 'b', until: 1_000 },
          { token: 'c', until: 1_000 },
        ]);
        expect(claimed.map((c) => c.id)).toEqual(['w0']);
        expect(
          await store.recordFinish('w0', 'a', { result: '1', now: 11 }),
        ).toBe(true);
        // w2, never reached, is claimable at once; w1's claim may have been applied with its
        // answer lost, so with claim documents it waits for its claim to be a lease old.
        const again = await store.claimReady(12, [
          { token: 'd', until: 1_000 },
          { token: 'e', until: 1_000 },
        ]);
        expect(again.map((c) => c.id)).toEqual(
          claims === 'single-update' ? ['w1', 'w2'] : ['w2'],
        );
        await store.close();
      },
    );

    it('skips a workflow whose claimer died half-way until that claim is a lease old, then takes the next epoch', async () => {
      const database = testDatabase(mongoUrl);
      const store = new MongoStore({
        url: mongoUrl,
        database,
        claims: 'claim-documents',
      });
      await store.init();
      await store.insertWorkflow({ id: 'w0', name: 'wf', input: '1', now: 0 });
      await store.insertWorkflow({ id: 'w1', name: 'wf', input: '1', now: 1 });
      // Another instance inserted w0's claim document for epoch 1, then died before moving w0.
      const client = new MongoClient(mongoUrl);
      await client
        .db(database)
        .collection<{ _id: string; workflowId: string; at: number }>(
          'lidex_claims',
        )
        .insertOne({ _id: '2:w0:1', workflowId: 'w0', at: 100 });
      const lease = (token: string, now: number) => ({
        token,
        until: now + 1_000,
      });

      const early = await store.claimReady(200, [
        lease('a', 200),
        lease('b', 200),
      ]);
      expect(early.map((c) => c.id)).toEqual(['w1']);
      // w0's dead claim is now over a lease old; w1's lease still runs.
      const late = await store.claimReady(1_150, [
        lease('c', 1_150),
        lease('d', 1_150),
      ]);
      expect(late.map((c) => c.id)).toEqual(['w0']);
      expect(
        await store.recordFinish('w0', 'c', { result: '1', now: 1_151 }),
      ).toBe(true);
      expect(
        await client
          .db(database)
          .collection<{ _id: string; workflowId: string; at: number }>(
            'lidex_claims',
          )
          .findOne({ _id: '2:w0:2' }),
      ).toMatchObject({ workflowId: 'w0', at: 1_150 });
      await client.close();
      await store.close();
    });

    it("keeps a cancel that races a running workflow's writes", async () => {
      const store = new MongoStore({
        url: mongoUrl,
        database: testDatabase(mongoUrl),
      });
      await store.init();
      const now = Date.now();
      const ids = Array.from({ length: 30 }, (_, i) => `w${i}`);
      for (const id of ids) {
        await store.insertWorkflow(
          { id, name: 'wf', input: '1', now },
          {
            token: `t-${id}`,
            until: now + 60_000,
          },
        );
      }
      const cancelled = await Promise.all(
        ids.map(async (id) => {
          const [answer] = await Promise.all([
            store.cancelWorkflow(id, now),
            store.recordStep(
              id,
              `t-${id}`,
              { kind: 'step', id: 's', result: '1', recordedAt: now },
              { readyAt: now + 60_000, release: false, now },
            ),
            store.renewLease(id, { token: `t-${id}`, until: now + 60_000 }),
          ]);
          return answer;
        }),
      );
      expect(cancelled.every(Boolean)).toBe(true);
      for (const id of ids) {
        const stored = await store.getWorkflow(id);
        expect([id, stored?.status, stored?.leaseToken]).toEqual([
          id,
          'cancelled',
          undefined,
        ]);
      }
      await store.close();
    });

    it('sweeps claim documents long past when a poll finds nothing', async () => {
      const database = testDatabase(mongoUrl);
      const store = new MongoStore({
        url: mongoUrl,
        database,
        claims: 'claim-documents',
      });
      await store.init();
      await store.insertWorkflow({ id: 'w', name: 'wf', input: '1', now: 0 });
      const [held] = await store.claimReady(0, [{ token: 'a', until: 1_000 }]);
      await store.recordFinish('w', held.leaseToken, { result: '1', now: 1 });
      const client = new MongoClient(mongoUrl);
      const claims = client.db(database).collection('lidex_claims');
      expect(await claims.countDocuments()).toBe(1);
      const anHourLater = 3_600_000;
      expect(
        await store.claimReady(anHourLater, [
          { token: 'b', until: anHourLater + 1_000 },
        ]),
      ).toEqual([]);
      expect(await claims.countDocuments()).toBe(0);
      await client.close();
      await store.close();
    });
  });

  it('refuses to be built with both or neither of url and client', () => {
    expect(() => new MongoStore({})).toThrow('either `url` or `client`');
  });
});
