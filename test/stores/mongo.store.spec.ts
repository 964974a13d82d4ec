import { MongoClient } from 'mongodb';
import { MongoStore, StoreUnavailableError } from '@lidex/nestjs';
import {
  describeMongo,
  mongoStoreFactory,
  mongoUrl,
  testDatabase,
  dropTestDatabases,
} from '../support/mongo';
import { freePort } from '../support/mongo-server';
import { describeStoreContract } from './store-contract';

describeMongo('MongoDB store', () => {
  describeStoreContract(mongoStoreFactory());

  afterAll(dropTestDatabases);

  it('works on a shared MongoClient without closing it', async () => {
    const client = new MongoClient(mongoUrl!);
    await client.connect();
    const store = new MongoStore({ client, database: testDatabase() });
    await store.init();
    expect(
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: 1 }),
    ).toBe(true);
    await store.close();
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({
      ok: 1,
    });
    await client.close();
  });

  it('creates its indexes idempotently, on every start', async () => {
    const database = testDatabase();
    for (let i = 0; i < 2; i++) {
      const store = new MongoStore({ url: mongoUrl!, database });
      await store.init();
      await store.close();
    }
    const client = new MongoClient(mongoUrl!);
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

  it('refuses to be built with both or neither of url and client', () => {
    expect(() => new MongoStore({})).toThrow('either `url` or `client`');
  });
});
