import { cpuUsPerWorkflow } from '../cpu';
import { elapsedMs, percentiles, round } from '../stats';
import type {
  Contender,
  ContenderFigures,
  PeerSizes,
  PeerWorkflow,
  Readings,
} from './contender';

/**
 * The contenders, interleaved: first an unmeasured warm-up session each, then round after round,
 * each contender in turn (ours, DBOS, BullMQ, ours, …) runs N workflows at once, then M one at a
 * time, on fresh data of its own, so that whatever else loads the machine meanwhile falls on all
 * alike. Then, once each, the cost of a workflow where a contender has a meter.
 */
export async function runRounds(
  contenders: Contender[],
  sizes: PeerSizes,
  progress: (line: string) => void,
): Promise<Record<string, ContenderFigures>> {
  const figures: Record<string, ContenderFigures> = {};
  for (const contender of contenders) {
    figures[contender.label] = {
      what: contender.what,
      ours: contender.ours,
      throughput: [],
      workflowsPerSecond: 0,
      cpuUsPerWorkflow: 0,
      latency: [],
      p50Ms: 0,
      p99Ms: 0,
    };
  }
  for (const contender of contenders) await warmUp(contender, sizes, progress);
  for (let r = 1; r <= sizes.rounds; r++) {
    for (const contender of contenders) {
      const started = process.hrtime.bigint();
      const session = await contender.open(`r${r}`);
      try {
        const entry = figures[contender.label];
        const cpu = process.cpuUsage();
        const rate = await session.throughput(sizes.throughput);
        entry.throughput.push({
          ...rate,
          cpuUsPerWorkflow: cpuUsPerWorkflow(cpu, sizes.throughput),
        });
        entry.latency.push(
          percentiles(await session.oneAtATime('threeSteps', sizes.latency)),
        );
      } finally {
        await session.close();
      }
      progress(
        `peers, round ${r}/${sizes.rounds}: ${contender.label} (${round(elapsedMs(started) / 1000, 1)} s)`,
      );
    }
  }
  for (const contender of contenders) {
    const entry = figures[contender.label];
    entry.workflowsPerSecond = Math.round(
      median(entry.throughput.map((t) => t.workflowsPerSecond)),
    );
    entry.cpuUsPerWorkflow = Math.round(
      median(entry.throughput.map((t) => t.cpuUsPerWorkflow ?? 0)),
    );
    entry.p50Ms = median(entry.latency.map((l) => l.p50Ms));
    entry.p99Ms = median(entry.latency.map((l) => l.p99Ms));
    if (contender.meter) {
      entry.costs = await costs(contender, sizes.costs);
      progress(`peers, costs: ${contender.label}`);
    }
  }
  return figures;
}

/**
 * One session of the round's workflows whose figures are dropped: the process's first run of a
 * contender's code is slower (V8 has not compiled it yet: twice the CPU per workflow of a warm run
 * for our SQLite store and for BullMQ alike), and without it that cost would fall on the first
 * measured rounds, which with the quick run's two rounds is one of the two figures.
 */
async function warmUp(
  contender: Contender,
  sizes: PeerSizes,
  progress: (line: string) => void,
): Promise<void> {
  const started = process.hrtime.bigint();
  const session = await contender.open('warmup');
  try {
    await session.throughput(sizes.warmUp ?? sizes.throughput);
    await session.oneAtATime('threeSteps', sizes.latency);
  } finally {
    await session.close();
  }
  progress(
    `peers, warm-up: ${contender.label} (${round(elapsedMs(started) / 1000, 1)} s)`,
  );
}

/** The middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return round(
    sorted.length % 2 === 1
      ? sorted[middle]
      : (sorted[middle - 1] + sorted[middle]) / 2,
  );
}

/** Counters per 3-step workflow, and per step, from workflows run one at a time. */
async function costs(
  contender: Contender,
  workflows: number,
): Promise<NonNullable<ContenderFigures['costs']>> {
  const meter = contender.meter!;
  const session = await contender.open('costs');
  try {
    const measure = async (workflow: PeerWorkflow) => {
      const before = await meter();
      await session.oneAtATime(workflow, workflows);
      return difference(await meter(), before, workflows);
    };
    // A first workflow of each kind outside the count: the first use of a statement is prepared.
    await session.oneAtATime('threeSteps', 1);
    await session.oneAtATime('noSteps', 1);
    const three = await measure('threeSteps');
    const none = await measure('noSteps');
    return {
      workflows,
      perWorkflow: three,
      perStep: Object.fromEntries(
        Object.entries(three).map(([key, value]) => [
          key,
          value === undefined || none[key] === undefined
            ? undefined
            : round((value - none[key]) / 3),
        ]),
      ),
    };
  } finally {
    await session.close();
  }
}

function difference(after: Readings, before: Readings, per: number): Readings {
  return Object.fromEntries(
    Object.entries(after).map(([key, value]) => {
      const start = before[key];
      return [
        key,
        value === undefined || start === undefined
          ? undefined
          : round((value - start) / per),
      ];
    }),
  );
}
