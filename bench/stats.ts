/** Wall-clock milliseconds comparable across processes on one machine (sub-millisecond). */
export const wallClockMs = (): number =>
  performance.timeOrigin + performance.now();

/** Milliseconds elapsed since `start` (from `process.hrtime.bigint()`). */
export const elapsedMs = (start: bigint): number =>
  Number(process.hrtime.bigint() - start) / 1e6;

/** Rounds to a few decimals, so the report shows what the clock can tell apart. */
export const round = (value: number, decimals = 2): number =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

/** The value at quantile `q` (0..1) of the samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

export const percentiles = (samples: readonly number[]): Percentiles => ({
  p50Ms: round(quantile(samples, 0.5)),
  p99Ms: round(quantile(samples, 0.99)),
  samples: samples.length,
});

export const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
