import { MongoClient } from 'mongodb';
import { MongoStore } from '@lidex/nestjs/mongodb';
import {
  describeEachMongo,
  dropTestDatabases,
  testDatabase,
} from '../support/mongo';

describeEachMongo('MongoDB store versions on $label', (server) => {
  afterAll(dropTestDatabases);

  it('reads a document written before versions as version 1: in get, list and claims', async () => {
    const database = testDatabase(server.url);
    const store = new MongoStore({ url: server.url, database });
    await store.init();
    const client = new MongoClient(server.url);
    await client.connect();
    // As an earlier Lidex wrote them: no version field.
    const old = (id: string, readyAt: number) => ({
      _id: id,
      name: 'wf',
      status: 'idle',
      input: '1',
      failures: 0,
      attempts: 0,
      readyAt,
      epoch: 0,
      createdAt: readyAt,
      updatedAt: readyAt,
      steps: [],
      stepKeys: [],
    });
    await client
      .db(database)
      .collection<{ _id: string }>('lidex_workflows')
      .insertMany([old('old-1', 1), old('old-2', 2)]);
    await store.insertWorkflow({
      id: 'new',
      name: 'wf',
      input: '1',
      now: 3,
      version: 2,
    });

    expect((await store.getWorkflow('old-1'))?.version).toBe(1);
    const ofVersion1 = await store.listWorkflows({ version: 1, limit: 10 });
    expect(ofVersion1.map((w) => [w.id, w.version])).toEqual([
      ['old-2', 1],
      ['old-1', 1],
    ]);
    const claimed = await store.claimReady(
      10,
      [1, 2, 3].map((i) => ({ token: `t${i}`, until: 1_000 })),
      undefined,
      { versions: new Map([['wf', 1]]) },
    );
    expect(claimed.map((w) => [w.id, w.version])).toEqual([
      ['old-1', 1],
      ['old-2', 1],
    ]);
    expect((await store.getWorkflow('new'))?.status).toBe('idle');
    await client.close();
    await store.close();
  });
});
