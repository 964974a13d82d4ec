import { spawnSync } from 'node:child_process';
import { runPeers } from '../../bench/peers';
import {
  type BenchPostgres,
  findPostgres,
} from '../../bench/peers/postgres-server';
import { renderPeers } from '../../bench/peers/report';
import { sqliteStore } from '../../bench/stores';
import { findPostgresBinaries } from '../support/postgres-server';
import { tempDir } from '../support/temp-dir';

/**
 * A smoke run of the bench's peers part, tiny sizes: our SQLite store, DBOS on a PostgreSQL
 * server and BullMQ on a Redis, interleaved, printed with the ratios. The figures are not
 * asserted (the bench measures; tests do not time), only that each contender produced them.
 */
const redisServer =
  spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
const postgresServer =
  Boolean(process.env.LIDEX_POSTGRES_URL) ||
  findPostgresBinaries() !== undefined;
const servers = redisServer && postgresServer;
if (!servers && !process.env.CI) {
  console.log(
    'bench peers smoke test skipped: needs `redis-server` and PostgreSQL (`initdb`, or LIDEX_POSTGRES_URL) — Debian: apt-get install -y redis-server postgresql',
  );
}
const describeServers = servers || process.env.CI ? describe : describe.skip;
const SIZES = { rounds: 2, throughput: 20, latency: 5, costs: 5 };

describeServers('bench: beside the peers', () => {
  const dir = tempDir('lidex-bench-peers-');
  let postgres: BenchPostgres | { skipped: string } | undefined;

  afterAll(async () => {
    if (postgres && !('skipped' in postgres)) await postgres.stop();
    dir.remove();
  });

  it('runs SQLite, DBOS and BullMQ in interleaved rounds and prints each beside ours with the ratio', async () => {
    if (!servers) throw new Error('CI=true and no redis-server or PostgreSQL');
    postgres = await findPostgres();
    const progress: string[] = [];
    const results = await runPeers({
      dir: dir.path,
      quick: true,
      sizes: SIZES,
      peers: ['dbos', 'bullmq'],
      ours: [{ store: sqliteStore(dir.path), what: 'SQLite' }],
      postgres,
      progress: (line) => progress.push(line),
    });

    expect(results.skipped).toEqual({});
    expect(progress.filter((line) => line.startsWith('peers, round'))).toEqual([
      expect.stringMatching(/^peers, round 1\/2: sqlite/),
      expect.stringMatching(/^peers, round 1\/2: dbos/),
      expect.stringMatching(/^peers, round 1\/2: bullmq/),
      expect.stringMatching(/^peers, round 2\/2: sqlite/),
      expect.stringMatching(/^peers, round 2\/2: dbos/),
      expect.stringMatching(/^peers, round 2\/2: bullmq/),
    ]);
    for (const figures of Object.values(results.contenders)) {
      expect(figures.throughput).toHaveLength(2);
      expect(figures.workflowsPerSecond).toBeGreaterThan(0);
      expect(figures.p50Ms).toBeGreaterThan(0);
      // The CPU this process spent per workflow, steady where a rate moves with the load.
      expect(figures.cpuUsPerWorkflow).toBeGreaterThan(0);
    }
    // DBOS's costs are counted on the server and at the client; BullMQ's at the client and in Redis.
    expect(results.contenders.dbos.costs?.perWorkflow).toEqual({
      roundTrips: expect.any(Number),
      statements: expect.any(Number),
    });
    expect(results.contenders.bullmq.costs?.perWorkflow).toEqual({
      roundTrips: expect.any(Number),
      redisCommands: expect.any(Number),
    });
    const report = renderPeers(results, 'text').join('\n');
    expect(report).toContain('Beside the peers');
    expect(report).toContain('CPU µs/wf');
    // Ratios of workflows/s, CPU per workflow, p50 and p99.
    expect(report).toMatch(
      /^sqlite +dbos +[\d.]+× +[\d.]+× +[\d.]+× +[\d.]+×$/m,
    );
    expect(report).toMatch(
      /^sqlite +bullmq +[\d.]+× +[\d.]+× +[\d.]+× +[\d.]+×$/m,
    );
  }, 180_000);

  it('skips a peer whose server is missing, with one line saying how to enable it', async () => {
    const results = await runPeers({
      dir: dir.path,
      quick: true,
      sizes: SIZES,
      peers: ['dbos'],
      ours: [{ store: sqliteStore(dir.path), what: 'SQLite' }],
      postgres: { skipped: 'no PostgreSQL server: set LIDEX_POSTGRES_URL' },
      progress: () => {},
    });
    expect(results.contenders).toEqual({});
    expect(renderPeers(results, 'text')).toEqual([
      'DBOS skipped: no PostgreSQL server: set LIDEX_POSTGRES_URL',
    ]);
  });
});
