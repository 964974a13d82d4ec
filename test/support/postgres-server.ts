import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './mongo-server';
import {
  serverUser,
  startServerProcess,
  type ServerUser,
} from './server-process';

/**
 * A real PostgreSQL server of its own for the tests and the bench: Debian's `postgresql` package
 * (`/usr/lib/postgresql/<version>/bin`), a cluster made by `initdb` in a folder of the caller's,
 * listening on a free loopback port, trusting local connections, with `fsync` on (commits are
 * durable, as in production). Run as root, the server runs as the `postgres` user.
 */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /**
   * Stops the server: gracefully by default (PostgreSQL's fast shutdown: open connections are
   * closed, the data checkpointed), or as a crash with SIGKILL (the server and all its
   * backends killed at once; the next start recovers from the write-ahead log).
   */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again on the same port, over the same data. */
  start(): Promise<void>;
  /** Kills the server and its backends at once, synchronously: for exit hooks. */
  kill(): void;
}

/** The folder holding `initdb` and `postgres`: the newest of Debian's, else one on PATH. */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin/initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], {
    encoding: 'utf8',
  });
  if (found.status !== 0) return undefined;
  const bin = found.stdout.trim().replace(/\/initdb$/, '');
  return existsSync(join(bin, 'postgres')) ? bin : undefined;
}

export const NO_POSTGRES_MESSAGE =
  "PostgreSQL suites need a server: set LIDEX_POSTGRES_URL, or install Debian's `postgresql` " +
  'package (initdb and postgres under /usr/lib/postgresql/<version>/bin).';

/**
 * Makes a cluster in `dir` (which must be empty or new) and starts it. Throws when no PostgreSQL
 * binaries are installed (see `findPostgresBinaries`). `settings` are more server settings
 * (`-c name=value`), e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`.
 */
export async function startPostgresServer(
  dir: string,
  options: { settings?: Record<string, string> } = {},
): Promise<PostgresServer> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(NO_POSTGRES_MESSAGE);
  const owner = serverUser(
    'postgres',
    'Running as root, PostgreSQL must run as another user, and there is no `postgres` user ' +
      "(Debian's postgresql package creates it).",
  );
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(data, { recursive: true });
  mkdirSync(sockets, { recursive: true });
  if (owner) {
    // The server's user must reach its folders through the caller's (mkdtemp makes it 0700).
    chmodSync(dir, 0o755);
    chownSync(data, owner.uid, owner.gid);
    chownSync(sockets, owner.uid, owner.gid);
  }
  chmodSync(data, 0o700);
  const init = spawnSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { encoding: 'utf8', ...asUser(owner) },
  );
  if (init.status !== 0) {
    throw new Error(
      `initdb failed (${init.status}):\n${init.stdout}${init.stderr}`,
    );
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${sockets}`,
    '-c',
    'fsync=on',
    '-c',
    'max_connections=300',
    ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]),
  ];
  const server = await startServerProcess({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args,
    spawnOptions: asUser(owner),
    url,
    probe: async () => {
      const client = new Client({
        connectionString: url,
        connectionTimeoutMillis: 1_000,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    // SIGINT is PostgreSQL's fast shutdown; its SIGTERM would wait for every client to leave.
    stopSignal: 'SIGINT',
    stopGraceMs: 10_000,
    // Backends killed with the postmaster must be gone before a new one can take the data.
    awaitGroupAfterKill: true,
  });
  return { url, ...server };
}

function asUser(owner: ServerUser | undefined): {
  uid?: number;
  gid?: number;
  cwd?: string;
} {
  // The server's user may not read the caller's working folder.
  return owner ? { uid: owner.uid, gid: owner.gid, cwd: '/' } : {};
}
