import { MongoClient, type Collection } from 'mongodb';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { SingleUpdateClaims } from '../../lib/stores/mongodb/mongo.claims';
import type { WorkflowDocument } from '../../lib/stores/mongodb/mongo.documents';
import {
  describeEachMongo,
  dropTestDatabases,
  readyJobDocument,
  testDatabase,
} from '../support/mongo';

const READY = 60;
const CLAIMERS = 4;
const BATCH = 8;

/*
 * On a real `mongod` a claim of several leases is one sorted findOneAndUpdate per lease. The
 * test servers lack a query planner, so the store reads once a batch there instead
 * (`plansQueries: false`), and no suite would run MongoDB's own loop. This runs it, as
 * `mongod` gets it, on mongo-java-server, whose conditional updates are atomic like MongoDB's:
 * claimers racing in batches take every workflow exactly once, oldest first.
 */
describeEachMongo("MongoDB's claim of several leases, on $label", (server) => {
  if (server.kind === 'ferretdb') return;
  let client: MongoClient;
  let workflows: Collection<WorkflowDocument>;

  beforeAll(async () => {
    client = new MongoClient(server.url);
    await client.connect();
    const database = testDatabase(server.url);
    // The store's indexes, as init() creates them.
    const store = new MongoStore({ client, database });
    await store.init();
    await store.close();
    workflows = client.db(database).collection('lidex_workflows');
    await workflows.insertMany(
      Array.from({ length: READY }, (_, k) => readyJobDocument(k)) as never[],
    );
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await dropTestDatabases();
  });

  it('takes every ready workflow once when claimers race in batches, each batch oldest first', async () => {
    const now = READY + 1;
    let leases = 0;
    const claimer = async (who: number) => {
      const claims = new SingleUpdateClaims(workflows, undefined, false);
      const won: { id: string; token: string }[] = [];
      for (;;) {
        const batch = Array.from({ length: BATCH }, () => ({
          token: `c${who}-${leases++}`,
          until: now + 60_000,
        }));
        const claimed = await claims.claimReady(now, batch);
        const order = claimed.map((workflow) => Number(workflow.id.slice(1)));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        won.push(
          ...claimed.map((workflow, i) => ({
            id: workflow.id,
            token: batch[i].token,
          })),
        );
        if (claimed.length < BATCH) return won;
      }
    };
    const results = await Promise.all(
      Array.from({ length: CLAIMERS }, (_, who) => claimer(who)),
    );
    const ids = results.flat().map((claim) => claim.id);
    expect(ids).toHaveLength(READY);
    expect(new Set(ids).size).toBe(READY);
    // Each one holds the lease of the claim that returned it, claimed once.
    const stored = await workflows.find({}).toArray();
    const tokenOf = new Map(results.flat().map((c) => [c.id, c.token]));
    for (const doc of stored) {
      expect(doc.leaseToken).toBe(tokenOf.get(doc._id));
      expect(doc.attempts).toBe(1);
    }
  });
});
