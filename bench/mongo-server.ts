import { MongoClient } from 'mongodb';
import {
  findMongoJavaServer as findJavaLauncher,
  findServerBinary,
  startMongoServer,
} from '../test/support/mongo-server';
import { onExit } from './cleanup';

/** A MongoDB-compatible server for the bench, and how it was found. */
export interface BenchMongoServer {
  url: string;
  /** How it was found: "LIDEX_MONGO_URL", or "started here" (a `mongod` or FerretDB). */
  source: string;
  stop(): Promise<void>;
}

/**
 * LIDEX_MONGO_URL when set; else a server started here, as the tests start theirs: a `mongod` on
 * PATH, else FerretDB (.tools/bin, or on PATH). When there is none, the reason.
 */
export async function findMongoServer(
  dataDir: string,
): Promise<BenchMongoServer | { skipped: string }> {
  const url = process.env.LIDEX_MONGO_URL;
  if (url) return { url, source: 'LIDEX_MONGO_URL', stop: async () => {} };
  const binary = findServerBinary();
  if (!binary) {
    return {
      skipped:
        'no MongoDB server: LIDEX_MONGO_URL is not set, no `mongod` on PATH, no FerretDB in .tools/bin or on PATH',
    };
  }
  const server = await startMongoServer(dataDir);
  const removeExitHook = onExit(() => server.kill());
  return {
    url: server.url,
    source: `started here from ${binary.path}`,
    stop: async () => {
      removeExitHook();
      await server.stop();
    },
  };
}

/** mongo-java-server started here, when scripts/install-mongo-java-server.sh has built it. */
export async function findMongoJavaServer(
  dataDir: string,
): Promise<BenchMongoServer | { skipped: string }> {
  if (!findJavaLauncher()) {
    return {
      skipped:
        'not built: run scripts/install-mongo-java-server.sh (Java 17, Maven)',
    };
  }
  const server = await startMongoServer(dataDir, { kind: 'mongo-java-server' });
  const removeExitHook = onExit(() => server.kill());
  return {
    url: server.url,
    source: 'started here from .tools/mongo-java-server',
    stop: async () => {
      removeExitHook();
      await server.stop();
    },
  };
}

/**
 * What the server says it is, e.g. "FerretDB v1.24.2" or "MongoDB 7.0.14". FerretDB is told apart
 * from MongoDB because its figures differ by orders of magnitude, and the bench sizes with it.
 */
export async function serverVersion(
  client: MongoClient,
): Promise<{ name: string; ferretdb: boolean }> {
  const info = await client.db('admin').command({ buildInfo: 1 });
  const ferret: unknown = info.ferretdbVersion ?? info.ferretdb?.version;
  return typeof ferret === 'string'
    ? { name: `FerretDB ${ferret}`, ferretdb: true }
    : { name: `MongoDB ${String(info.version)}`, ferretdb: false };
}

/** A bench server connected: its client, the databases the stores on it create, what it is. */
export interface BenchMongo {
  server: BenchMongoServer;
  client: MongoClient;
  /** Dropped by `stop`. */
  databases: string[];
  /** What it says it is (`serverVersion`). */
  name: string;
  /** FerretDB is far slower than MongoDB: it gets smaller sizes. */
  ferretdb: boolean;
  /** Drops the databases, closes the client and stops the server. */
  stop(): Promise<void>;
}

/** Connects `client` (by default a plain one) to `server`; stops the server if that fails. */
export async function connectBenchMongo(
  server: BenchMongoServer,
  client = new MongoClient(server.url),
): Promise<BenchMongo> {
  const databases: string[] = [];
  try {
    await client.connect();
    const version = await serverVersion(client);
    return {
      server,
      client,
      databases,
      ...version,
      stop: async () => {
        try {
          for (const name of databases) await client.db(name).dropDatabase();
        } finally {
          await client.close();
          await server.stop();
        }
      },
    };
  } catch (error) {
    await client.close();
    await server.stop();
    throw error;
  }
}
