import { MongoClient, type Collection } from 'mongodb';
import type { FlowLimit } from '@lidex/nestjs';
import type { WorkflowDocument } from '../../lib/stores/mongodb/mongo.documents';
import type {
  FlowCandidate,
  FlowDocument,
} from '../../lib/stores/mongodb/mongo.flow-control';
import { FlowStarts } from '../../lib/stores/mongodb/mongo.flow-starts';
import {
  describeEachMongo,
  testDatabase,
  dropTestDatabases,
} from '../support/mongo';

const T0 = 1_700_000_000_000;
const RATE = { max: 5, perMs: 1000 };
const limits = new Map<string, FlowLimit>([['pay', { rate: RATE }]]);
const candidate = (id: string): FlowCandidate =>
  ({ _id: id, name: 'pay', epoch: 0, attempts: 0 }) as FlowCandidate;

/**
 * Three claims, each a FlowStarts of its own, on the real server, interleaved by hand as three
 * instances' claims can be: one claim reads the starts, then (while it admits its earlier
 * candidates) another numbers a start and gives it back (void), others number the rate's five,
 * and a third claim's read sweeps the void start. The first claim's next number is then free
 * again: inserting it, it would start a sixth workflow in one second under a rate of five.
 */
describeEachMongo('MongoDB rate-limit starts on $label', (server) => {
  let client: MongoClient;
  let flow: Collection<FlowDocument>;
  let workflows: Collection<WorkflowDocument>;

  beforeAll(async () => {
    client = new MongoClient(server.url);
    const db = client.db(testDatabase(server.url));
    flow = db.collection<FlowDocument>('flow');
    workflows = db.collection<WorkflowDocument>('workflows');
  });

  afterAll(async () => {
    await client?.close();
    await dropTestDatabases();
  });

  it('a claim whose read of the starts is older than a sweep never starts one over the rate', async () => {
    // Enough old starts that the next read past them sweeps.
    const old = Array.from({ length: 2 * RATE.max + 45 }, (_, seq) => ({
      _id: `start:["pay"]:${seq}`,
      kind: 'start' as const,
      name: 'pay',
      seq,
      workflowId: `old-${seq}`,
      at: T0 - 10_000,
    }));
    await flow.insertMany(old);
    const stale = new FlowStarts(flow, workflows, T0);
    await stale.readAhead(limits);

    const loser = new FlowStarts(flow, workflows, T0 + 10);
    await loser.readAhead(limits);
    const lost = await loser.admit(candidate('lost'), limits.get('pay')!);
    expect(lost).toHaveLength(1);
    await loser.giveBack(lost!);

    const others = new FlowStarts(flow, workflows, T0 + 20);
    await others.readAhead(limits);
    for (let i = 0; i < RATE.max; i++)
      expect(
        await others.admit(candidate(`w${i}`), limits.get('pay')!),
      ).toHaveLength(1);

    const sweeper = new FlowStarts(flow, workflows, T0 + 30);
    await sweeper.readAhead(limits);
    expect(
      await sweeper.admit(candidate('refused'), limits.get('pay')!),
    ).toBeUndefined();

    await stale.admit(candidate('late'), limits.get('pay')!);
    const counted = await flow
      .find({
        kind: 'start',
        void: { $ne: true },
        at: { $gt: T0 + 30 - RATE.perMs },
      })
      .toArray();
    expect(counted.map((doc) => doc.workflowId).sort()).toEqual([
      'w0',
      'w1',
      'w2',
      'w3',
      'w4',
    ]);
  });

  it('a claim numbers no start once more than perMs has passed since it began (its now is fixed)', async () => {
    const rate = { max: 5, perMs: 200 };
    const short = new Map<string, FlowLimit>([['quick', { rate }]]);
    const claim = new FlowStarts(flow, workflows, T0);
    await claim.readAhead(short);
    await new Promise((resolve) => setTimeout(resolve, 2 * rate.perMs));
    expect(
      await claim.admit(
        { ...candidate('slow'), name: 'quick' },
        short.get('quick')!,
      ),
    ).toBeUndefined();
    expect(await flow.countDocuments({ kind: 'start', name: 'quick' })).toBe(0);
  });
});
