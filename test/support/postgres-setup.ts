import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findPostgresBinaries,
  NO_POSTGRES_MESSAGE,
  startPostgresServer,
  type PostgresServer,
} from './postgres-server';

interface Started {
  server: PostgresServer;
  dir: string;
}

const state = globalThis as { lidexPostgres?: Started };

/**
 * For the jest global setup: the PostgreSQL server the PostgreSQL suites share, unless
 * LIDEX_POSTGRES_URL names one; test workers find its URL in LIDEX_TEST_POSTGRES_URL. In CI a
 * missing server fails the run; elsewhere the suites are skipped with one line saying how to
 * enable them (LIDEX_TEST_POSTGRES_SKIP holds it).
 */
export async function startTestPostgres(): Promise<void> {
  if (process.env.LIDEX_POSTGRES_URL) {
    process.env.LIDEX_TEST_POSTGRES_URL = process.env.LIDEX_POSTGRES_URL;
    return;
  }
  if (!findPostgresBinaries()) {
    if (process.env.CI)
      throw new Error(
        `CI=true and no PostgreSQL server: ${NO_POSTGRES_MESSAGE}`,
      );
    process.env.LIDEX_TEST_POSTGRES_SKIP = NO_POSTGRES_MESSAGE;
    console.warn(`\nSkipping the PostgreSQL suites. ${NO_POSTGRES_MESSAGE}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lidex-postgres-'));
  const server = await startPostgresServer(dir);
  state.lidexPostgres = { server, dir };
  process.env.LIDEX_TEST_POSTGRES_URL = server.url;
}

/** For the jest global teardown: stops the server `startTestPostgres` started, and removes its data. */
export async function stopTestPostgres(): Promise<void> {
  const started = state.lidexPostgres;
  state.lidexPostgres = undefined;
  if (!started) return;
  await started.server.stop();
  rmSync(started.dir, { recursive: true, force: true });
}
