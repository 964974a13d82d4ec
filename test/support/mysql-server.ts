import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort } from './mongo-server';
import {
  serverUser,
  startServerProcess,
  type ServerUser,
} from './server-process';

/**
 * A real MariaDB server of its own for the tests and the bench: Debian's `mariadb-server`
 * package (`mariadb-install-db`, `mariadbd`), a data folder made in a folder of the caller's,
 * listening on a free loopback port, with a `lidex` user (no password) owning the `lidex`
 * database, commits durable (`innodb_flush_log_at_trx_commit=1`, as in production). Run as
 * root, the server runs as the `mysql` user.
 */
export interface MysqlServer {
  /** `mysql://lidex@127.0.0.1:<port>/lidex` */
  url: string;
  /** Stops the server: a clean shutdown (SIGTERM) by default, or a crash (SIGKILL). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again on the same port, over the same data. */
  start(): Promise<void>;
  /** Kills the server at once, synchronously: for exit hooks. */
  kill(): void;
}

const BINARIES = ['mariadb-install-db', 'mariadbd'];

/** Whether Debian's MariaDB binaries are installed (on PATH or in /usr/sbin). */
export function findMysqlBinaries():
  { install: string; server: string } | undefined {
  const found = BINARIES.map((name) => {
    for (const dir of ['/usr/sbin', '/usr/bin']) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
    const which = spawnSync('sh', ['-c', `command -v ${name}`], {
      encoding: 'utf8',
    });
    return which.status === 0 ? which.stdout.trim() : undefined;
  });
  if (!found[0] || !found[1]) return undefined;
  return { install: found[0], server: found[1] };
}

export const NO_MYSQL_MESSAGE =
  "MySQL suites need a server: set LIDEX_MYSQL_URL, or install Debian's `mariadb-server` " +
  'package (mariadb-install-db and mariadbd).';

/** Makes a data folder in `dir` (empty or new) and starts MariaDB on it. */
export async function startMysqlServer(dir: string): Promise<MysqlServer> {
  const bin = findMysqlBinaries();
  if (!bin) throw new Error(NO_MYSQL_MESSAGE);
  const owner = serverUser(
    'mysql',
    "Running as root, MariaDB runs as the `mysql` user, and there is none (Debian's " +
      'mariadb-server package creates it).',
  );
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  const install = () => {
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true });
    mkdirSync(run, { recursive: true });
    if (owner) {
      chmodSync(dir, 0o755);
      chownSync(data, owner.uid, owner.gid);
      chownSync(run, owner.uid, owner.gid);
    }
    return spawnSync(
      bin.install,
      [
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--no-defaults',
        // Passed on to the bootstrap server: its temporary tables in its own folder, not in a
        // /tmp shared with every other server being set up.
        `--tmpdir=${run}`,
        ...(owner ? ['--user=mysql'] : []),
      ],
      { encoding: 'utf8', timeout: 120_000, ...asUser(owner) },
    );
  };
  // Once more on a failure: a setup once failed with "Could not remove temporary table" and
  // passed when run again.
  let init = install();
  if (init.status !== 0) init = install();
  if (init.status !== 0) {
    throw new Error(
      `mariadb-install-db failed (${init.status}):\n${init.stdout}${init.stderr}`,
    );
  }
  const port = await freePort();
  const socket = join(run, 'mysqld.sock');
  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(run, 'mysqld.pid')}`,
    // Its temporary files beside its data: the process's TMPDIR may not be writable by `mysql`.
    `--tmpdir=${run}`,
    '--innodb-flush-log-at-trx-commit=1',
    '--innodb-buffer-pool-size=64M',
    '--max-connections=500',
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_bin',
    ...(owner ? ['--user=mysql'] : []),
  ];
  const url = `mysql://lidex@127.0.0.1:${port}/lidex`;
  let prepared = false;
  const server = await startServerProcess({
    name: 'mariadbd',
    command: bin.server,
    args,
    spawnOptions: asUser(owner),
    url,
    // The first answer, over the socket as root, makes the `lidex` user and database.
    probe: async () => {
      const connection = await createConnection(
        prepared
          ? { uri: url, connectTimeout: 1_000 }
          : { socketPath: socket, user: 'root' },
      );
      try {
        if (!prepared) {
          await connection.query('CREATE DATABASE IF NOT EXISTS lidex');
          await connection.query("CREATE USER IF NOT EXISTS 'lidex'@'%'");
          await connection.query("GRANT ALL ON *.* TO 'lidex'@'%'");
          prepared = true;
        }
        await connection.query('SELECT 1');
      } finally {
        await connection.end().catch(() => undefined);
      }
    },
    stopSignal: 'SIGTERM',
    stopGraceMs: 20_000,
  });
  return { url, ...server };
}

function asUser(owner: ServerUser | undefined): {
  cwd?: string;
} {
  // mariadbd switches to the `mysql` user itself (--user); it may not read the caller's folder.
  return owner ? { cwd: '/' } : {};
}
