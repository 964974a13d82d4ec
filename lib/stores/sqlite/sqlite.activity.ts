import type { BetterSqlite3 } from './sqlite.driver-types';
import {
  type ActivityBucket,
  type ActivityQuery,
  bucketOf,
  emptyBuckets,
} from '../../model';

const ENDED = `status IN ('finished', 'aborted', 'cancelled')`;

/**
 * The index the step latency chart reads through: steps by when they were recorded (partial:
 * only steps with a start time). Created workflows are read through `workflows_newest`; ended ones
 * through `workflows_ended_at` (sqlite.ended.ts), a range of the window per ended status.
 */
export const sqliteActivityIndexes = (prefix: string): string => `
CREATE INDEX IF NOT EXISTS ${prefix}steps_recorded
  ON ${prefix}steps (recorded_at) WHERE kind = 'step' AND started_at IS NOT NULL;`;

interface Row {
  b: number;
  n: number;
  total?: number;
  max?: number;
  finished?: number;
}

/** `activity`: three grouped reads (prepared on first use). */
export class SqliteActivityStatements {
  private prepared?: Record<
    'created' | 'ended' | 'steps',
    BetterSqlite3.Statement
  >;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly prefix: string,
  ) {}

  private statements() {
    const { db, prefix } = this;
    const bucket = `CAST((? - @since) / @bucket AS INTEGER)`;
    const created = db.prepare(
      `SELECT ${bucket.replace('?', 'created_at')} AS b, count(*) AS n
       FROM ${prefix}workflows
       WHERE created_at >= @since AND created_at < @until GROUP BY b`,
    );
    const ended = db.prepare(
      `SELECT ${bucket.replace('?', 'ended_at')} AS b, count(*) AS n,
         sum(status = 'finished') AS finished
       FROM ${prefix}workflows
       WHERE ${ENDED} AND ready_at IS NULL AND ended_at >= @since AND ended_at < @until
       GROUP BY b`,
    );
    const steps = db.prepare(
      `SELECT ${bucket.replace('?', 'recorded_at')} AS b, count(*) AS n,
         sum(recorded_at - started_at) AS total, max(recorded_at - started_at) AS max
       FROM ${prefix}steps
       WHERE kind = 'step' AND started_at IS NOT NULL
         AND recorded_at >= @since AND recorded_at < @until GROUP BY b`,
    );
    return (this.prepared ??= { created, ended, steps });
  }

  read(query: ActivityQuery): ActivityBucket[] {
    const sql = this.prepared ?? this.statements();
    const buckets = emptyBuckets(query);
    const params = {
      since: query.since,
      until: query.until,
      bucket: query.bucketMs,
    };
    const at = (row: Row) =>
      bucketOf(buckets, query, query.since + row.b * query.bucketMs);
    for (const row of sql.created.all(params) as Row[]) {
      const b = at(row);
      if (b) b.created = row.n;
    }
    for (const row of sql.ended.all(params) as Row[]) {
      const b = at(row);
      if (b) {
        b.ended = row.n;
        b.finished = row.finished ?? 0;
      }
    }
    for (const row of sql.steps.all(params) as Row[]) {
      const b = at(row);
      if (b) {
        b.steps = row.n;
        b.stepMsTotal = row.total ?? 0;
        b.stepMsMax = row.max ?? 0;
      }
    }
    return buckets;
  }
}
