import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findMongoJavaServer,
  findServerBinary,
  NO_JAVA_SERVER_MESSAGE,
  NO_SERVER_MESSAGE,
  startMongoServer,
  type MongoServer,
} from './mongo-server';
import globalTeardown from './global-teardown';
import { startTestMysql } from './mysql-setup';
import { startTestPostgres } from './postgres-setup';

/**
 * Starts the MongoDB-compatible servers the MongoDB suites share. The first, unless
 * LIDEX_MONGO_URL names one: a `mongod`, else FerretDB; test workers find its URL in
 * LIDEX_TEST_MONGO_URL. The second, whose single-document conditional updates are atomic:
 * mongo-java-server, in LIDEX_TEST_MONGO_JAVA_URL. In CI a missing server fails the run;
 * elsewhere the suites of a missing server are skipped with one line saying how to enable them.
 */
export default async function globalSetup(): Promise<void> {
  const servers: MongoServer[] = [];
  (globalThis as { lidexMongoServers?: MongoServer[] }).lidexMongoServers =
    servers;
  try {
    await startFirst(servers);
    await startJavaServer(servers);
    await startTestPostgres();
    await startTestMysql();
  } catch (error) {
    // Jest runs no teardown after a failed setup: stop the servers already started here.
    await globalTeardown().catch(() => undefined);
    throw error;
  }
}

async function startFirst(servers: MongoServer[]): Promise<void> {
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
  servers.push(server);
  process.env.LIDEX_TEST_MONGO_URL = server.url;
  process.env.LIDEX_TEST_MONGO_KIND = server.kind;
}

async function startJavaServer(servers: MongoServer[]): Promise<void> {
  if (!findMongoJavaServer()) {
    if (process.env.CI)
      throw new Error(
        `CI=true and no mongo-java-server: ${NO_JAVA_SERVER_MESSAGE}`,
      );
    console.warn(`\nSkipping mongo-java-server. ${NO_JAVA_SERVER_MESSAGE}\n`);
    return;
  }
  const server = await startMongoServer(
    mkdtempSync(join(tmpdir(), 'lidex-mongo-java-')),
    { kind: 'mongo-java-server' },
  );
  servers.push(server);
  process.env.LIDEX_TEST_MONGO_JAVA_URL = server.url;
}
