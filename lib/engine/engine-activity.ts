import type { ActivityBucket, Persistence } from '../stores/persistence';

/** One minute of the charts: throughput, backlog at its end, and step latency. */
export interface ActivityMinute {
  start: number;
  created: number;
  finished: number;
  ended: number;
  /** Workflows not ended (idle, running, failed) at the end of the minute. */
  backlog: number;
  steps: number;
  /** Mean and longest step duration in the minute, ms (0 without steps). */
  stepMsMean: number;
  stepMsMax: number;
}

export interface Activity {
  /** Whether the store answers activity (`Persistence.activity`); empty when it does not. */
  supported: boolean;
  minutes: ActivityMinute[];
}

const MINUTE = 60_000;

/**
 * The last `minutes` minutes from the store: its activity buckets, and the backlog of each
 * minute's end worked back from the backlog now (each minute adds what was created and takes
 * what ended).
 */
export async function readActivity(
  store: Persistence,
  now: number,
  minutes: number,
): Promise<Activity> {
  if (!store.activity) return { supported: false, minutes: [] };
  const until = Math.floor(now / MINUTE) * MINUTE + MINUTE;
  const since = until - minutes * MINUTE;
  const [buckets, counts] = await Promise.all([
    store.activity({ since, until, bucketMs: MINUTE }),
    store.countWorkflows({}),
  ]);
  let backlog = counts.idle + counts.running + counts.failed;
  const result: ActivityMinute[] = [];
  for (let i = buckets.length - 1; i >= 0; i--) {
    result.unshift(toMinute(buckets[i], Math.max(0, backlog)));
    backlog += buckets[i].ended - buckets[i].created;
  }
  return { supported: true, minutes: result };
}

function toMinute(bucket: ActivityBucket, backlog: number): ActivityMinute {
  return {
    start: bucket.start,
    created: bucket.created,
    finished: bucket.finished,
    ended: bucket.ended,
    backlog,
    steps: bucket.steps,
    stepMsMean:
      bucket.steps === 0 ? 0 : Math.round(bucket.stepMsTotal / bucket.steps),
    stepMsMax: bucket.stepMsMax,
  };
}
