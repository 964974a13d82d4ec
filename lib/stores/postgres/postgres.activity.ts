import {
  type ActivityBucket,
  type ActivityQuery,
  bucketOf,
  emptyBuckets,
  TERMINAL_STATUSES,
} from '../../model';
import type { Queryable, Statement } from './postgres.queryable';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 10: the index the step latency chart reads, steps by when they were recorded (only
 * steps with a start time). Created workflows are read through `workflows_newest` and ended ones
 * through `workflows_ended_at` (migration 11), each a range of the asked window: a refresh reads the
 * window's rows, however many finished workflows the tables keep.
 */
export const activityMigration = (schema: string): string[] => [
  `CREATE INDEX IF NOT EXISTS steps_recorded
    ON "${schema}".steps (recorded_at) WHERE kind = 'step' AND started_at IS NOT NULL`,
];

interface Row {
  k: 'c' | 'e' | 's';
  b: number;
  n: number;
  finished: number;
  total: number;
  max: number;
}

/** The activity statement: $1 since, $2 until, $3 bucket ms; one grouped row per kind and bucket. */
export function activityStatement(schema: string): Statement {
  const workflows = `"${schema}".workflows`;
  const steps = `"${schema}".steps`;
  const bucket = (column: string) => `(${column} - $1::bigint) / $3::bigint`;
  return {
    name: `lidex_${schema}_activity`,
    text: `SELECT 'c' AS k, ${bucket('created_at')} AS b, count(*)::int AS n,
        0 AS finished, 0::float8 AS total, 0::float8 AS max
      FROM ${workflows} WHERE created_at >= $1 AND created_at < $2 GROUP BY 2
      UNION ALL
      SELECT 'e', ${bucket('ended_at')}, count(*)::int,
        count(*) FILTER (WHERE status = 'finished')::int, 0, 0
      FROM ${workflows}
      WHERE status IN (${ENDED}) AND ready_at IS NULL
        AND ended_at >= $1 AND ended_at < $2 GROUP BY 2
      UNION ALL
      SELECT 's', ${bucket('recorded_at')}, count(*)::int, 0,
        sum(recorded_at - started_at)::float8, max(recorded_at - started_at)::float8
      FROM ${steps}
      WHERE kind = 'step' AND started_at IS NOT NULL
        AND recorded_at >= $1 AND recorded_at < $2 GROUP BY 2`,
  };
}

/** `activity` on PostgreSQL: one statement, its rows laid into the query's buckets. */
export async function postgresActivity(
  query: Queryable,
  statement: Statement,
  activity: ActivityQuery,
): Promise<ActivityBucket[]> {
  const buckets = emptyBuckets(activity);
  const { rows } = await query<Row>(statement, [
    activity.since,
    activity.until,
    activity.bucketMs,
  ]);
  for (const row of rows) {
    const b = bucketOf(
      buckets,
      activity,
      activity.since + Number(row.b) * activity.bucketMs,
    );
    if (!b) continue;
    if (row.k === 'c') b.created = row.n;
    else if (row.k === 'e') {
      b.ended = row.n;
      b.finished = row.finished;
    } else {
      b.steps = row.n;
      b.stepMsTotal = row.total;
      b.stepMsMax = row.max;
    }
  }
  return buckets;
}
