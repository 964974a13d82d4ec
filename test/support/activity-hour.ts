import type { Persistence } from '@lidex/nestjs';

/** The figures the SQL stores' activity specs chart: one hour, by the minute, up to `NOW`. */
export const MINUTE = 60_000;
export const NOW = 1_800_000_000_000;
export const HOUR = 60 * MINUTE;
/** Finished workflows from before the charted hour (more with LIDEX_ACTIVITY_OLD). */
export const OLD = Number(process.env.LIDEX_ACTIVITY_OLD ?? 20_000);
/** When the workflows from before the hour were made. */
export const OLD_AT = NOW - 3 * HOUR;

/** One workflow of the hour, finished, with two steps (30 ms and 90 ms). */
export async function recordHourWorkflow(store: Persistence): Promise<void> {
  await store.insertWorkflow({
    id: 'new',
    name: 'wf',
    input: '1',
    now: NOW - 10 * MINUTE,
  });
  const [claimed] = await store.claimReady(NOW - 10 * MINUTE, [
    { token: 't', until: NOW },
  ]);
  for (const [id, ms] of [
    ['a', 30],
    ['b', 90],
  ] as const) {
    const recordedAt = NOW - 9 * MINUTE + ms;
    await store.recordStep(
      'new',
      claimed.leaseToken,
      {
        kind: 'step',
        id,
        result: '1',
        startedAt: recordedAt - ms,
        recordedAt,
      },
      { readyAt: NOW, release: false, now: recordedAt },
    );
  }
  await store.recordFinish('new', claimed.leaseToken, {
    result: '1',
    now: NOW - 8 * MINUTE,
  });
}

/** The hour's activity holds that one workflow and its two steps, and nothing from before. */
export async function expectOnlyTheHourCounted(
  store: Pick<Required<Persistence>, 'activity'>,
): Promise<void> {
  const buckets = await store.activity({
    since: NOW - HOUR,
    until: NOW,
    bucketMs: MINUTE,
  });
  const sum = (key: 'created' | 'ended' | 'finished' | 'steps') =>
    buckets.reduce((total, b) => total + b[key], 0);
  expect([sum('created'), sum('ended'), sum('finished'), sum('steps')]).toEqual(
    [1, 1, 1, 2],
  );
  expect(buckets[51]).toMatchObject({
    steps: 2,
    stepMsTotal: 120,
    stepMsMax: 90,
  });
}
