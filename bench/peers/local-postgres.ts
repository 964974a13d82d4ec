import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../test/support/mongo-server';
import { pause } from '../stats';

/**
 * TEMPORARY: a PostgreSQL server of the bench's own, until `test/support/postgres-server.ts`
 * (`startPostgresServer(dir)`) is on main; then `bench/peers/postgres-server.ts` uses that instead
 * and this file goes. `initdb` in `dir` (as the `postgres` user when run as root), a free loopback
 * port, trust authentication. Its data goes in a temporary folder of its own (the `postgres` user
 * cannot enter the bench's), removed by `stop` and `kill`.
 */
export interface LocalPostgres {
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(): void;
}

export function findInitdb(): string | undefined {
  const found = spawnSync(
    'sh',
    [
      '-c',
      'command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1',
    ],
    { encoding: 'utf8' },
  );
  const path = found.stdout.trim().split('\n')[0];
  return found.status === 0 && path ? path : undefined;
}

export async function startLocalPostgres(
  initdb: string,
): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'lidex-bench-postgres-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const data = join(dir, 'data');
  const options: SpawnOptions = {};
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString());
    chownSync(dir, uid, gid);
    Object.assign(options, { uid, gid });
  }
  const init = spawnSync(
    initdb,
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
    { ...options, encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const postgres = join(initdb, '..', 'postgres');
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn(
      postgres,
      ['-D', data, '-p', String(port), '-k', dir, '-h', '127.0.0.1'],
      { ...options, stdio: 'ignore' },
    );
    await answering(url);
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGINT');
    await exited;
  };
  await start();
  return {
    url,
    stop: async () => {
      await stop();
      remove();
    },
    restart: async () => {
      await stop();
      await start();
    },
    kill: () => {
      child?.kill('SIGKILL');
      remove();
    },
  };
}

async function answering(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw error;
    }
    await pause(100);
  }
}
