import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { onExit } from './cleanup';

/** A MongoDB-compatible server for the bench, and how it was found. */
export interface MongoServer {
  url: string;
  /** How it was found: "LIDEX_MONGO_URL", or "started here" (a `mongod` or FerretDB). */
  source: string;
  stop(): Promise<void>;
}

/** The repository root, seen from dist-bench/. */
const REPO = join(__dirname, '..');

/**
 * LIDEX_MONGO_URL when set; else a server started here, as the tests do: a `mongod` on PATH, else
 * FerretDB (.tools/bin, or on PATH). When there is none, the reason.
 */
export async function findMongoServer(
  dataDir: string,
): Promise<MongoServer | { skipped: string }> {
  const url = process.env.LIDEX_MONGO_URL;
  if (url) return { url, source: 'LIDEX_MONGO_URL', stop: async () => {} };
  const binary = findBinary();
  if (!binary) {
    return {
      skipped:
        'no MongoDB server: LIDEX_MONGO_URL is not set, no `mongod` on PATH, no FerretDB in .tools/bin or on PATH',
    };
  }
  return startServer(binary, dataDir);
}

function findBinary(): { kind: string; path: string } | undefined {
  const onPath = (name: string): string | undefined => {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], {
      encoding: 'utf8',
    });
    return found.status === 0 ? found.stdout.trim() : undefined;
  };
  const mongod = onPath('mongod');
  if (mongod) return { kind: 'mongod', path: mongod };
  const built = join(REPO, '.tools/bin/ferretdb');
  if (existsSync(built)) return { kind: 'ferretdb', path: built };
  const ferretdb = onPath('ferretdb');
  return ferretdb ? { kind: 'ferretdb', path: ferretdb } : undefined;
}

async function startServer(
  binary: { kind: string; path: string },
  dataDir: string,
): Promise<MongoServer> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  const args =
    binary.kind === 'mongod'
      ? [
          '--dbpath',
          dataDir,
          '--port',
          String(port),
          '--bind_ip',
          '127.0.0.1',
          '--quiet',
        ]
      : [
          '--handler=sqlite',
          `--sqlite-url=file:${dataDir}/`,
          `--state-dir=${dataDir}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=error',
        ];
  const child = spawn(binary.path, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const removeExitHook = onExit(() => child.kill('SIGKILL'));
  const stop = async () => {
    removeExitHook();
    await stopChild(child);
  };
  try {
    await waitForPing(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, source: `started here from ${binary.path}`, stop };
}

async function waitForPing(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `MongoDB server exited with ${child.exitCode}: ${output()}`,
      );
    }
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`no answer on ${url}: ${String(error)} ${output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close();
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address ? address.port : 0),
      );
    });
  });
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
