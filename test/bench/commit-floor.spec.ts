import { withCommitFloor } from '../../bench/peers/commit-floor';
import type { Contender, Session } from '../../bench/peers/contender';
import type { PeerResults } from '../../bench/peers';
import {
  type BenchPostgres,
  findPostgres,
} from '../../bench/peers/postgres-server';
import { renderPeers } from '../../bench/peers/report';
import { runRounds } from '../../bench/peers/rounds';
import { findPostgresBinaries } from '../support/postgres-server';

/**
 * The PostgreSQL floor beside our PostgreSQL store in the peers' rounds: one durable commit after
 * each workflow the contender runs one at a time, in the measured rounds only (not the warm-up,
 * not the session whose costs are counted), read on the bench's server and printed with how far
 * the contender's p50 is above as many commits as its workflow writes.
 */
const server =
  Boolean(process.env.LIDEX_POSTGRES_URL) ||
  findPostgresBinaries() !== undefined;
const describeServer = server || process.env.CI ? describe : describe.skip;

function standIn(calls: string[]): Contender {
  return {
    label: 'postgres',
    ours: true,
    what: 'stand-in',
    meter: async () => ({ roundTrips: 0 }),
    open: async (round): Promise<Session> => ({
      throughput: async (workflows) => ({
        workflows,
        seconds: 1,
        workflowsPerSecond: workflows,
        stepsPerSecond: workflows * 3,
      }),
      oneAtATime: async (_workflow, workflows) => {
        calls.push(`${round}:${workflows}`);
        return Array.from({ length: workflows }, () => 4);
      },
      close: async () => {},
    }),
  };
}

describeServer('bench: the PostgreSQL commit floor beside the peers', () => {
  let postgres: BenchPostgres | { skipped: string } | undefined;

  afterAll(async () => {
    if (postgres && !('skipped' in postgres)) await postgres.stop();
  });

  it('commits once after each workflow of the measured rounds and prints the floor beside the p50', async () => {
    postgres = await findPostgres();
    if ('skipped' in postgres) throw new Error(postgres.skipped);
    const calls: string[] = [];
    const floor = await withCommitFloor(postgres, standIn(calls));
    const sizes = { rounds: 2, throughput: 10, latency: 3, costs: 2 };
    let contenders: PeerResults['contenders'];
    try {
      contenders = await runRounds([floor.contender], sizes, () => {});
    } finally {
      await floor.close();
    }
    // The warm-up and the counted sessions run their workflows as asked; the rounds one by one.
    expect(calls).toEqual([
      'warmup:3',
      'r1:1',
      'r1:1',
      'r1:1',
      'r2:1',
      'r2:1',
      'r2:1',
      'costs:1',
      'costs:1',
      'costs:2',
      'costs:2',
    ]);
    expect(contenders.postgres.latency.map((l) => l.samples)).toEqual([3, 3]);
    const figures = floor.figures();
    expect(figures?.rounds.map((r) => r.samples)).toEqual([3, 3]);
    expect(figures?.commitP50Ms).toBeGreaterThan(0);
    const report = renderPeers(
      {
        sizes,
        servers: {},
        skipped: {},
        contenders: {
          ...contenders,
          postgres: {
            ...contenders.postgres,
            costs: {
              workflows: 2,
              perWorkflow: { roundTrips: 5 },
              perStep: { roundTrips: 1 },
            },
          },
        },
        commitFloor: figures,
        loadAverage1m: { start: 0, end: 0 },
      },
      'text',
    ).join('\n');
    expect(report).toMatch(
      /PostgreSQL's floor, same server, same moments: one durable single-row commit .* p50 [\d.]+ ms .* at least 5 × [\d.]+ = [\d.]+ ms; postgres's p50 is 4 ms, [\d.]+× that\./,
    );
  }, 60_000);
});
