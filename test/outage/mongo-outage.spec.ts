import { join } from 'node:path';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { findServerBinary, startMongoServer } from '../support/mongo-server';
import { outageCase } from '../support/outage-case';

// A server of its own, since this test stops it.
const describeWithServer =
  findServerBinary() || process.env.CI ? describe : describe.skip;

describeWithServer('MongoDB outage', () => {
  outageCase({
    dirPrefix: 'lidex-outage-',
    startServer: (dir) => startMongoServer(join(dir, 'data')),
    openStore: (url) =>
      new MongoStore({ url, database: 'outage', connectTimeoutMs: 3000 }),
    initStore: (store) => store.init(),
    // The server goes away as in a crash. (After FerretDB's graceful SIGTERM shutdown, the driver
    // was seen to fail every later operation with "connection N closed" in about 1 run of 3,
    // only in full test runs; not solved yet, see docs/reliability.md.)
    signal: 'SIGKILL',
    figures: 'mongo-outage',
    stepFigures: 'mongo-outage-steps',
  });
});
