import type { Persistence } from '@lidex/nestjs';
import { decodeValue } from '../../lib/engine/codec';

/** A run of `job`'s step as its workflow recorded it (test/support/worker/flow-*-workflows). */
export interface RecordedRun {
  id: string;
  key?: string;
  start: number;
  end: number;
  /** The process whose run of the step was recorded. */
  pid: number;
  /** When the workflow was first claimed: what a rate limit counts. */
  claimed: number;
  /** How many `work` steps the workflow recorded (1 unless a write was applied twice). */
  records: number;
}

/** The run of `id`'s step as recorded, or undefined while none is. */
export async function recordedRun(
  store: Persistence,
  id: string,
): Promise<RecordedRun | undefined> {
  const workflow = await store.getWorkflow(id);
  const works = workflow?.steps.filter((step) => step.id === 'work') ?? [];
  if (!works[0]?.result) return undefined;
  const { start, end, pid } = decodeValue<{
    start: number;
    end: number;
    pid: number;
  }>(works[0].result);
  return {
    id,
    key: workflow!.concurrencyKey,
    start,
    end,
    pid,
    claimed: workflow!.firstClaimedAt!,
    records: works.length,
  };
}

/** The most runs that overlap at any instant (an end before a start at the same ms). */
export function mostAtOnce(runs: readonly RecordedRun[]): number {
  const events = runs.flatMap((run) => [
    [run.start, 1],
    [run.end, -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, change] of events) most = Math.max(most, (now += change));
  return most;
}

/** The most runs of one key that overlap at any instant. */
export function mostPerKey(runs: readonly RecordedRun[]): number {
  const byKey = new Map<string, RecordedRun[]>();
  for (const run of runs) {
    byKey.set(run.key!, [...(byKey.get(run.key!) ?? []), run]);
  }
  return Math.max(0, ...[...byKey.values()].map(mostAtOnce));
}

/** The most of `times` within any `windowMs` (a sliding window). */
export function mostInWindow(
  times: readonly number[],
  windowMs: number,
): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
