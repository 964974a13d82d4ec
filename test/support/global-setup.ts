import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findServerBinary,
  NO_SERVER_MESSAGE,
  startMongoServer,
  type MongoServer,
} from './mongo-server';

/**
 * Starts the MongoDB-compatible server the MongoDB suites share, unless LIDEX_MONGO_URL names
 * one. Test workers find its URL in LIDEX_TEST_MONGO_URL. In CI a missing server fails the run;
 * elsewhere the MongoDB suites are skipped with one line saying how to enable them.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.LIDEX_MONGO_URL) {
    process.env.LIDEX_TEST_MONGO_URL = process.env.LIDEX_MONGO_URL;
    return;
  }
  if (!findServerBinary()) {
    if (process.env.CI)
      throw new Error(`CI=true and no MongoDB server: ${NO_SERVER_MESSAGE}`);
    process.env.LIDEX_TEST_MONGO_SKIP = NO_SERVER_MESSAGE;
    console.warn(`\nSkipping the MongoDB suites. ${NO_SERVER_MESSAGE}\n`);
    return;
  }
  const server = await startMongoServer(
    mkdtempSync(join(tmpdir(), 'lidex-mongo-')),
  );
  process.env.LIDEX_TEST_MONGO_URL = server.url;
  process.env.LIDEX_TEST_MONGO_KIND = server.kind;
  (globalThis as { lidexMongoServer?: MongoServer }).lidexMongoServer = server;
}
