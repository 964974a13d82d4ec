import { observabilityStores } from './observability-stores';
import { observabilityOverhead } from './scenarios/observability';
import { observabilityFloorUs } from './scenarios/observability-floor';

/**
 * `npm run bench -- --observability [--quick] [--stores=memory,sqlite,...] [--rounds=N]`:
 * throughput with tracing, metrics and the event stream on against off, interleaved, on every
 * store (memory, SQLite, and the PostgreSQL, MySQL, MongoDB and mongo-java-server servers the
 * bench can start); prints each store's medians, their ratios and the load average. `--rounds`
 * (default 6) steadies the medians on a loaded machine.
 */
export async function runObservabilityBench(options: {
  dir: string;
  quick: boolean;
  wanted: (label: string) => boolean;
  json: boolean;
}): Promise<void> {
  const roundsArg = process.argv
    .find((arg) => arg.startsWith('--rounds='))
    ?.slice('--rounds='.length);
  const rounds = roundsArg === undefined ? undefined : Number(roundsArg);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
    throw new Error(
      `--rounds=${roundsArg}: give a whole number of rounds above 0, such as --rounds=20`,
    );
  const { stores, stop } = await observabilityStores(
    options.dir,
    options.wanted,
    (label, reason) => console.log(`${label} skipped: ${reason}`),
  );
  const figures = [];
  try {
    for (const { store, workflows, source } of stores) {
      if (source) console.log(`${store.label}: ${source}`);
      figures.push(
        await observabilityOverhead(
          store,
          options.quick ? Math.ceil(workflows / 4) : workflows,
          rounds ?? (options.quick ? 2 : 6),
          (line) => process.stderr.write(`${line}\n`),
        ),
      );
    }
  } finally {
    await stop();
  }
  console.log(
    "Observability overhead (3-step workflows started and run by one process; on: OpenTelemetry SDK, events$ and a diagnostics channel listener; CPU: this process's, not a server's)",
  );
  console.table(
    figures.map((f) => ({
      store: f.store,
      'workflows/round': f.workflows,
      rounds: f.rounds,
      'off (wf/s, median)': f.plainPerSecond,
      'on (wf/s, median)': f.observedPerSecond,
      'on / off': f.ratio,
      'off (CPU µs/wf)': f.plainCpuUs,
      'on (CPU µs/wf)': f.observedCpuUs,
      'CPU off / on': f.cpuRatio,
      spans: f.spansExported,
      events: f.eventsSeen,
      'load 1m': f.loadAverage1m,
    })),
  );
  const floorUs = await observabilityFloorUs(2_000, options.quick ? 3 : 15);
  console.log(
    `OpenTelemetry calls of one 3-step workflow made directly (the least "on" can cost over "off"): ${floorUs} CPU µs`,
  );
  if (options.json)
    console.log(JSON.stringify({ observability: figures, floorUs }));
}
