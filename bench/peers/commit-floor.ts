import { Client } from 'pg';
import { elapsedMs, type Percentiles, percentiles } from '../stats';
import type { Contender } from './contender';
import { uncounted } from './meters';
import type { BenchPostgres } from './postgres-server';
import { median } from './rounds';

/** One durable commit on the bench's PostgreSQL server, read between a contender's workflows. */
export interface CommitFloorFigures {
  /** The contender whose workflows run one at a time were interleaved with the commits. */
  beside: string;
  /** Each measured round's single-row commits, one after each of its workflows. */
  rounds: Percentiles[];
  /** Median over the rounds of their p50. */
  commitP50Ms: number;
}

const TABLE = 'lidex_bench_commit_floor';
const UPDATE = {
  name: 'lidex_bench_commit_floor',
  text: `UPDATE ${TABLE} SET n = n + 1 WHERE id = 1`,
};

/**
 * The floor under a workflow run one at a time on PostgreSQL: how long one durable commit of one
 * row takes on the same server through `pg`, read after each workflow `contender` runs one at a
 * time in the measured rounds, so at the same moments, on the same disk. A workflow whose writes
 * are each durable before it moves on takes at least that many of them; what else the disk does
 * meanwhile moves both alike. The commits go to the bench's own `postgres` database, whose
 * statements the meters leave out, on a client the round-trip counter skips, and never into the
 * sessions whose costs are counted.
 */
export async function withCommitFloor(
  postgres: BenchPostgres,
  contender: Contender,
): Promise<{
  contender: Contender;
  figures(): CommitFloorFigures | undefined;
  close(): Promise<void>;
}> {
  const client = uncounted(
    new Client({ connectionString: postgres.urlFor('postgres') }),
  );
  await client.connect();
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (id int PRIMARY KEY, n bigint NOT NULL)`,
  );
  await client.query(
    `INSERT INTO ${TABLE} VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
  );
  const rounds: Percentiles[] = [];
  const commit = async () => {
    const started = process.hrtime.bigint();
    await client.query(UPDATE);
    return elapsedMs(started);
  };
  return {
    contender: {
      ...contender,
      open: async (round) => {
        const session = await contender.open(round);
        if (!/^r\d+$/.test(round)) return session;
        return {
          ...session,
          oneAtATime: async (workflow, workflows) => {
            const samples: number[] = [];
            const commits: number[] = [];
            for (let i = 0; i < workflows; i++) {
              samples.push(...(await session.oneAtATime(workflow, 1)));
              commits.push(await commit());
            }
            rounds.push(percentiles(commits));
            return samples;
          },
        };
      },
    },
    figures: () =>
      rounds.length === 0
        ? undefined
        : {
            beside: contender.label,
            rounds,
            commitP50Ms: median(rounds.map(({ p50Ms }) => p50Ms)),
          },
    close: async () => {
      await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await client.end();
    },
  };
}
