import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { ClaimOptions, Persistence } from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import {
  describeEachMongo,
  dropTestDatabases,
  testDatabase,
} from '../support/mongo';

const T0 = 1_700_000_000_000;
const KEYS = 10;
const ROUNDS = 6;
const RATE = { max: 2, perMs: 1_000 };
const DAY = 86_400_000;

/**
 * A rate limit numbers each first claim in a document of `<prefix>flow` (mongo.flow-starts.ts),
 * per name and, for a rate per key, per name and key. A claim deletes a scope's old starts only
 * once that scope has many, so a key that is no longer claimed kept its starts forever: a rate
 * per customer left documents for every customer ever served. Retention, which deletes the ended
 * workflows, deletes their starts too once no count can need them, keeping the highest number
 * of each scope (the next start's number goes on from it: mongo.flow-starts.ts).
 */
describeEachMongo(
  'MongoDB rate-limit starts and retention on $label',
  (server) => {
    const prefix = `r${Date.now() % 100_000}_`;
    let store: Persistence;
    let client: MongoClient;
    let database: string;

    beforeAll(async () => {
      database = testDatabase(server.url);
      store = new MongoStore({
        url: server.url,
        database,
        collectionPrefix: prefix,
      });
      await store.init();
      client = new MongoClient(server.url);
    });

    afterAll(async () => {
      await store?.close();
      await client?.close();
      await dropTestDatabases();
    });

    const starts = () =>
      client
        .db(database)
        .collection(`${prefix}flow`)
        .find({ kind: { $in: ['start', 'key-start'] } })
        .toArray();

    it('leaves one start per key once the ended workflows are purged', async () => {
      const options: ClaimOptions = {
        limits: new Map([
          ['pay', { keyRate: RATE, rate: { max: 100, perMs: 1_000 } }],
        ]),
      };
      for (let round = 0; round < ROUNDS; round++) {
        const at = T0 + round * 10_000;
        for (let key = 0; key < KEYS; key++)
          await store.insertWorkflow({
            id: `pay-${round}-${key}`,
            name: 'pay',
            input: '1',
            now: at,
            concurrencyKey: `customer-${key}`,
          });
        const claimed = await store.claimReady(
          at + 1,
          Array.from({ length: KEYS }, () => ({
            token: randomUUID(),
            until: at + 60_000,
          })),
          undefined,
          options,
        );
        expect(claimed).toHaveLength(KEYS);
        for (const workflow of claimed)
          expect(
            await store.recordFinish(workflow.id, workflow.leaseToken, {
              result: '1',
              now: at + 2,
            }),
          ).toBe(true);
      }
      // A start per first claim: per key, and for the name's own rate.
      expect(await starts()).toHaveLength(2 * KEYS * ROUNDS);

      const purged = await store.purgeWorkflows!({
        status: 'finished',
        endedBefore: T0 + DAY,
        limit: 1_000,
      });
      expect(purged).toBe(KEYS * ROUNDS);

      const left = await starts();
      const perScope = new Map<string, number>();
      for (const doc of left) {
        const scope = String(doc._id).replace(/:\d+$/, '');
        perScope.set(scope, (perScope.get(scope) ?? 0) + 1);
      }
      // The highest start of each key's scope and of the name's: all the rest are gone.
      expect(perScope.size).toBe(KEYS + 1);
      expect([...perScope.values()]).toEqual(Array(KEYS + 1).fill(1));

      // The numbers go on after the highest: a new window's claims still count and refuse.
      const at = T0 + 2 * DAY;
      for (let i = 0; i < 3; i++)
        await store.insertWorkflow({
          id: `again-${i}`,
          name: 'pay',
          input: '1',
          now: at,
          concurrencyKey: 'customer-0',
        });
      const again = await store.claimReady(
        at + 1,
        Array.from({ length: 3 }, () => ({
          token: randomUUID(),
          until: at + 60_000,
        })),
        undefined,
        options,
      );
      expect(again).toHaveLength(RATE.max);
    });

    it('keeps the starts a rate may still count, whatever the purge deletes', async () => {
      // Before the first case's last workflows are ready: only these two are claimed.
      const at = T0 + DAY / 2;
      const options: ClaimOptions = {
        limits: new Map([['fresh', { keyRate: RATE }]]),
      };
      await store.insertWorkflow({
        id: 'fresh-0',
        name: 'fresh',
        input: '1',
        now: at,
        concurrencyKey: 'k',
      });
      await store.insertWorkflow({
        id: 'fresh-1',
        name: 'fresh',
        input: '1',
        now: at,
        concurrencyKey: 'k',
      });
      const claimed = await store.claimReady(
        at + 1,
        [0, 1].map(() => ({ token: randomUUID(), until: at + 60_000 })),
        undefined,
        options,
      );
      expect(claimed).toHaveLength(2);
      for (const workflow of claimed)
        await store.recordFinish(workflow.id, workflow.leaseToken, {
          result: '1',
          now: at + 2,
        });
      const before = (await starts()).filter((doc) =>
        String(doc._id).includes('"fresh"'),
      );
      expect(before).toHaveLength(2);
      // Ended just now, purged at once (a retention of 0): their starts are inside the window.
      await store.purgeWorkflows!({
        status: 'finished',
        endedBefore: at + 3,
        limit: 100,
      });
      const after = (await starts()).filter((doc) =>
        String(doc._id).includes('"fresh"'),
      );
      expect(after).toHaveLength(2);
      // Still inside the window: a third first claim of the key is refused.
      await store.insertWorkflow({
        id: 'fresh-2',
        name: 'fresh',
        input: '1',
        now: at,
        concurrencyKey: 'k',
      });
      const third = await store.claimReady(
        at + 500,
        [{ token: randomUUID(), until: at + 60_000 }],
        undefined,
        options,
      );
      expect(third).toHaveLength(0);
    });
  },
);
