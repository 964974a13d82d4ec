import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findMysqlBinaries,
  NO_MYSQL_MESSAGE,
  startMysqlServer,
  type MysqlServer,
} from './mysql-server';

interface Started {
  server: MysqlServer;
  dir: string;
}

const state = globalThis as { lidexMysql?: Started };

/**
 * For the jest global setup: the MariaDB server the MySQL suites share, unless LIDEX_MYSQL_URL
 * names one (a MySQL 8 or MariaDB server); test workers find its URL in LIDEX_TEST_MYSQL_URL. In
 * CI a missing server fails the run; elsewhere the suites are skipped with one line saying how
 * to enable them.
 */
export async function startTestMysql(): Promise<void> {
  if (process.env.LIDEX_MYSQL_URL) {
    process.env.LIDEX_TEST_MYSQL_URL = process.env.LIDEX_MYSQL_URL;
    return;
  }
  if (process.env.LIDEX_TEST_MYSQL_URL) return;
  if (!findMysqlBinaries()) {
    if (process.env.CI)
      throw new Error(`CI=true and no MySQL server: ${NO_MYSQL_MESSAGE}`);
    console.warn(`\nSkipping the MySQL suites. ${NO_MYSQL_MESSAGE}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lidex-mysql-'));
  const server = await startMysqlServer(dir);
  state.lidexMysql = { server, dir };
  process.env.LIDEX_TEST_MYSQL_URL = server.url;
}

/** For the jest global teardown: stops the server `startTestMysql` started, and removes its data. */
export async function stopTestMysql(): Promise<void> {
  const started = state.lidexMysql;
  state.lidexMysql = undefined;
  if (!started) return;
  await started.server.stop();
  rmSync(started.dir, { recursive: true, force: true });
}
