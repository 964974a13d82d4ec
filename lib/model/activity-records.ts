/** What `Persistence.activity` is asked: buckets of `bucketMs` from `since` (inclusive) to `until`. */
export interface ActivityQuery {
  since: number;
  until: number;
  bucketMs: number;
}

/** One bucket of activity, from the stored records. */
export interface ActivityBucket {
  /** The bucket's start (ms since the epoch). */
  start: number;
  /** Workflows created in it. */
  created: number;
  /** Workflows that ended in it (finished, aborted or cancelled), by when they were last written. */
  ended: number;
  /** Of those, how many finished. */
  finished: number;
  /** Steps recorded in it, with a start time, and their durations. */
  steps: number;
  stepMsTotal: number;
  stepMsMax: number;
}

/** Empty buckets covering the query, in order. */
export function emptyBuckets(query: ActivityQuery): ActivityBucket[] {
  const count = Math.max(
    0,
    Math.ceil((query.until - query.since) / query.bucketMs),
  );
  return Array.from({ length: count }, (_, i) => ({
    start: query.since + i * query.bucketMs,
    created: 0,
    ended: 0,
    finished: 0,
    steps: 0,
    stepMsTotal: 0,
    stepMsMax: 0,
  }));
}

/** The bucket a time falls in, or undefined outside the query. */
export function bucketOf(
  buckets: ActivityBucket[],
  query: ActivityQuery,
  at: number,
): ActivityBucket | undefined {
  if (at < query.since || at >= query.until) return undefined;
  return buckets[Math.floor((at - query.since) / query.bucketMs)];
}
