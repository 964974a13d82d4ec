import { MongoClient } from 'mongodb';
import { mongoServers } from '../support/mongo';
import {
  openClient,
  processSuite,
  requireBuild,
  startWorker,
  type WorkerProcess,
} from '../support/worker-processes';

const WORKFLOWS = 10; // started before each try
const ATTEMPTS = 25;

/**
 * On a server whose conditional updates are not atomic (FerretDB 1.x), a claim, a signal's send
 * and a wait release of one workflow take a lock document first. A worker SIGKILLed while it
 * holds one leaves that document behind; the next worker must take it over once it is stale,
 * not wait for it forever (the intermittent FerretDB stalls of the crash and signal chaos tests).
 */
const suite = processSuite('lidex-mongo-lock-');
const store = suite.stores.find((candidate) => candidate.label === 'MongoDB');
const ferret = mongoServers.find((server) => server.kind === 'ferretdb');
const describeFerret = store && ferret ? describe : describe.skip;

describeFerret('a lock left by a worker killed on FerretDB', () => {
  beforeAll(requireBuild);

  it('is taken over by the next worker, and every workflow finishes', async () => {
    const { journal, persistence, client } = await openClient(
      store!,
      suite.dir,
      'lock-kill',
    );
    const mongo = new MongoClient(ferret!.url);
    const database = (store!.spec as { mongodb: { database: string } }).mongodb
      .database;
    const locks = mongo
      .db(database)
      .collection<{ _id: string }>('lidex_claims');
    let worker: WorkerProcess | undefined;
    try {
      // Kill workers until one dies holding a lock: each is killed the moment one is seen, with
      // fresh workflows to claim.
      let left: { _id: string } | null = null;
      let started = 0;
      for (let attempt = 0; attempt < ATTEMPTS && !left; attempt++) {
        for (const end = started + WORKFLOWS; started < end; started++) {
          await client.start(`order-${started}`, 'chain', {
            steps: 4,
            stepMs: 0,
          });
        }
        worker = await startWorker(store!, journal);
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline) {
          const held = await locks.findOne({ _id: /^signals:/ });
          if (held) break;
        }
        await worker.kill();
        worker = undefined;
        left = await locks.findOne({ _id: /^signals:/ });
      }
      expect(left).not.toBeNull();

      worker = await startWorker(store!, journal);
      for (let i = 0; i < started; i++) {
        expect(await client.wait(`order-${i}`, { timeoutMs: 20_000 })).toBe(
          'finished',
        );
      }
    } finally {
      await worker?.kill();
      await mongo.close();
      await persistence.close();
    }
  }, 120_000);
});
