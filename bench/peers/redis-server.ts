import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import Redis from 'ioredis';
import { freePort } from '../../test/support/mongo-server';
import { onExit } from '../cleanup';
import { pause } from '../stats';

/** A Redis server the bench started for BullMQ, and how to stop it. */
export interface BenchRedisServer {
  host: string;
  port: number;
  /** e.g. "Redis 7.0.15, started here from /usr/bin/redis-server (default persistence)". */
  source: string;
  stop(): Promise<void>;
}

const HOW_TO_ENABLE =
  'install Redis (Debian: apt-get install -y redis-server) so that `redis-server` is on PATH';

/**
 * `redis-server` from PATH, started on a free loopback port with its data in `dataDir`, with no
 * configuration file: Redis's own defaults, so its default persistence (RDB snapshots, no
 * append-only file). When there is none, the reason and how to get one.
 */
export async function startRedisServer(
  dataDir: string,
): Promise<BenchRedisServer | { skipped: string }> {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], {
    encoding: 'utf8',
  });
  if (found.status !== 0) {
    return { skipped: `no \`redis-server\` on PATH: ${HOW_TO_ENABLE}` };
  }
  const binary = found.stdout.trim();
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const removeExitHook = onExit(() => child.kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', resolve));
  const version = await answering(port, () => child.exitCode !== null).catch(
    (error: unknown) => {
      removeExitHook();
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start: ${String(error)} ${output}`);
    },
  );
  return {
    host: '127.0.0.1',
    port,
    source: `Redis ${version}, started here from ${binary} (default persistence)`,
    stop: async () => {
      removeExitHook();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Resolves with the server's version once it answers PING; rejects if it exits or takes 20 s. */
async function answering(port: number, gone: () => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      const info = await client.info('server');
      return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    } catch (error) {
      if (gone() || Date.now() > deadline) throw error;
    } finally {
      client.disconnect();
    }
    await pause(100);
  }
}
