import {
  type ActivityBucket,
  type ActivityQuery,
  bucketOf,
  emptyBuckets,
  TERMINAL_STATUSES,
} from '../../model';
import { addMissing } from './mysql.columns';
import type { MysqlQuery } from './mysql.connection';
import { mysqlNames } from './mysql.names';

const ENDED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Migration 6 of the MySQL store: the index the step latency chart reads, steps by kind and when
 * they were recorded, with their start time in the index (MySQL has no partial index: the range
 * is `kind = 'step'` and the window, answered from the index alone). Added only where missing.
 * Created workflows are read through `workflows_newest` and ended ones through
 * `workflows_ended_at` (migration 12), each a range of the asked window: a refresh reads the
 * window's rows, however many finished workflows the tables keep.
 */
export const activityMigration = (prefix: string): string[] =>
  addMissing(
    prefix,
    'add_activity_index',
    'steps',
    [],
    [['steps_recorded', '(kind, recorded_at, started_at)']],
  );

/**
 * The activity statement, one grouped row per kind (`c` created, `e` ended, `s` steps) and
 * bucket; its values are `activityValues(query)`.
 */
export function activitySql(prefix: string): string {
  const n = mysqlNames(prefix);
  const bucket = (column: string) => `(${column} - ?) DIV ?`;
  const window = (column: string) => `${column} >= ? AND ${column} < ?`;
  return `SELECT 'c' AS k, ${bucket('created_at')} AS b, COUNT(*) AS n,
      0 AS finished, 0 AS total, 0 AS max
    FROM ${n.workflows}
    WHERE ${window('created_at')} GROUP BY b
    UNION ALL
    SELECT 'e', ${bucket('ended_at')}, COUNT(*), SUM(status = 'finished'), 0, 0
    FROM ${n.workflows}
    WHERE status IN (${ENDED}) AND ${window('ended_at')} GROUP BY 2
    UNION ALL
    SELECT 's', ${bucket('recorded_at')}, COUNT(*), 0,
      SUM(recorded_at - started_at), MAX(recorded_at - started_at)
    FROM ${n.steps}
    WHERE kind = 'step' AND started_at IS NOT NULL AND ${window('recorded_at')}
    GROUP BY 2`;
}

/** The statement's values, in order: per read, the bucket's since and width, then the window. */
export const activityValues = (query: ActivityQuery): number[] => {
  const read = [query.since, query.bucketMs, query.since, query.until];
  return [...read, ...read, ...read];
};

/** `activity` on MySQL: one statement, its rows laid into the query's buckets. */
export async function mysqlActivity(
  query: MysqlQuery,
  prefix: string,
  activity: ActivityQuery,
): Promise<ActivityBucket[]> {
  const buckets = emptyBuckets(activity);
  const { sets } = await query(activitySql(prefix), activityValues(activity));
  for (const row of sets[0] ?? []) {
    const b = bucketOf(
      buckets,
      activity,
      activity.since + Number(row.b) * activity.bucketMs,
    );
    if (!b) continue;
    if (row.k === 'c') b.created = Number(row.n);
    else if (row.k === 'e') {
      b.ended = Number(row.n);
      b.finished = Number(row.finished);
    } else {
      b.steps = Number(row.n);
      b.stepMsTotal = Number(row.total);
      b.stepMsMax = Number(row.max);
    }
  }
  return buckets;
}
