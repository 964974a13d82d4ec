import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { MongoClient } from 'mongodb';

/**
 * A real MongoDB-compatible server for the tests and the bench: a `mongod` on PATH, else FerretDB
 * (built into .tools/bin by scripts/install-ferretdb.sh, or on PATH); or, asked for by kind,
 * mongo-java-server (built into .tools/mongo-java-server by scripts/install-mongo-java-server.sh).
 * Never a mock.
 */
export interface MongoServer {
  url: string;
  kind: MongoServerKind;
  /** Whether what it stores survives `stop()` and `start()` (mongo-java-server keeps it in memory). */
  persistent: boolean;
  /** Stops the server: gracefully (SIGTERM) by default, or as a crash (SIGKILL). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * Starts the server again on the same port, with the same data where it is `persistent`;
   * mongo-java-server starts empty.
   */
  start(): Promise<void>;
  /** Kills the server at once, synchronously: for exit hooks. */
  kill(): void;
}

/** The repository root: the nearest folder above this file with a package.json. */
const REPO = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
})();

export type MongoServerKind = 'mongod' | 'ferretdb' | 'mongo-java-server';

export function findServerBinary():
  { kind: 'mongod' | 'ferretdb'; path: string } | undefined {
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
  if (ferretdb) return { kind: 'ferretdb', path: ferretdb };
  return undefined;
}

export async function freePort(): Promise<number> {
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

/** Where scripts/install-mongo-java-server.sh puts its launcher. */
const MONGO_JAVA_SERVER = join(REPO, '.tools/mongo-java-server');

/** The command that starts mongo-java-server on a port, if its launcher is built. */
export function findMongoJavaServer():
  { path: string; args: (port: number) => string[] } | undefined {
  if (!existsSync(join(MONGO_JAVA_SERVER, 'launcher.jar'))) return undefined;
  const classpath = [
    join(MONGO_JAVA_SERVER, 'launcher.jar'),
    join(MONGO_JAVA_SERVER, 'lib', '*'),
  ].join(':');
  return {
    path: 'java',
    args: (port) => [
      '-Xmx1g',
      '-cp',
      classpath,
      'dev.lidex.testserver.Launcher',
      String(port),
    ],
  };
}

/**
 * Starts a server with its data in `dataDir`: of the kind asked for, else of the kind found
 * (`mongod`, else FerretDB). mongo-java-server keeps its data in memory, not in `dataDir`.
 */
export async function startMongoServer(
  dataDir: string,
  options: { kind?: MongoServerKind } = {},
): Promise<MongoServer> {
  const binary =
    options.kind === 'mongo-java-server'
      ? javaServerBinary()
      : findServerBinary();
  if (!binary) throw new Error(NO_SERVER_MESSAGE);
  if (options.kind && binary.kind !== options.kind) {
    throw new Error(`${options.kind} asked for, but ${binary.kind} found`);
  }
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}/`;
  const args =
    binary.kind === 'mongo-java-server'
      ? binary.args(port)
      : binary.kind === 'mongod'
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
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    output = '';
    child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(
          `${binary.kind} exited with ${child.exitCode}:\n${output}`,
        );
      }
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 500 });
      try {
        await client.db('admin').command({ ping: 1 });
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `${binary.kind} did not answer on ${url}: ${String(error)}\n${output}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await client.close();
      }
    }
  };

  const stop = async (
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
  ): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
      setTimeout(() => running.kill('SIGKILL'), 5_000).unref();
    });
  };

  const kill = (): void => {
    child?.kill('SIGKILL');
  };

  try {
    await start();
  } catch (error) {
    // A server that never answered is not left running.
    await stop('SIGKILL');
    throw error;
  }
  return {
    url,
    kind: binary.kind,
    persistent: binary.kind !== 'mongo-java-server',
    stop,
    start,
    kill,
  };
}

function javaServerBinary():
  | {
      kind: 'mongo-java-server';
      path: string;
      args: (port: number) => string[];
    }
  | undefined {
  const found = findMongoJavaServer();
  return found && { kind: 'mongo-java-server', ...found };
}

export const NO_JAVA_SERVER_MESSAGE =
  'The MongoDB suites also run on mongo-java-server: run scripts/install-mongo-java-server.sh ' +
  '(needs Java 17 and Maven) to build it into .tools/mongo-java-server.';

export const NO_SERVER_MESSAGE =
  'MongoDB suites need a MongoDB-compatible server: set LIDEX_MONGO_URL, put `mongod` on PATH, ' +
  'or run scripts/install-ferretdb.sh (needs Go) to build FerretDB into .tools/bin.';
