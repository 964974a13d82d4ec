import type { EngineOptions } from '@lidex/nestjs';
import type { PeerResults } from './peers';
import { renderPeers } from './peers/report';
import type { SignalLatency } from './scenarios/signal-latency';
import type { Rate } from './scenarios/throughput';
import type { Percentiles } from './stats';
import type { NotMeasured, StoreFigures } from './suite';
import { table as renderTable, type TableFormat } from './table';

/** Everything one run of the bench measured: printed as tables, and as JSON with `--json`. */
export interface BenchResults {
  mode: 'quick' | 'full';
  machine: Record<string, string | number>;
  engineOptions: EngineOptions & { throughputConcurrency: number };
  mongodb:
    { server: string; source: string; ferretdb: boolean } | { skipped: string };
  /** The second MongoDB-compatible server, mongo-java-server, when it is built. */
  mongoJavaServer?: { server: string; source: string } | { skipped: string };
  /** The PostgreSQL server of our PostgreSQL store and DBOS, when there is one. */
  postgres?: string;
  mysql?: string;
  stores: Record<string, StoreFigures>;
  /** Our durable stores beside DBOS and BullMQ, in interleaved rounds. */
  peers?: PeerResults;
  seconds?: number;
}

const NA = 'n/a';

const isMeasured = <T extends object>(value: T | NotMeasured): value is T =>
  !('notMeasured' in value);

const rate = (value: Rate | NotMeasured, key: keyof Rate) =>
  isMeasured(value) ? (value[key] ?? NA) : NA;

const ms = (value: Percentiles | NotMeasured) =>
  isMeasured(value) ? `${value.p50Ms} / ${value.p99Ms}` : NA;

const ms90 = (value: SignalLatency | NotMeasured) =>
  isMeasured(value) ? `${value.p50Ms} / ${value.p90Ms} / ${value.p99Ms}` : NA;

/** The human-readable report: one table per scenario, one row per store. */
export function renderReport(
  results: BenchResults,
  format: TableFormat = 'text',
): string {
  const table = (
    title: string,
    header: string[],
    rows: (string | number)[][],
  ) => renderTable(title, header, rows, format);
  const stores = Object.entries(results.stores);
  const notes = new Set<string>();
  for (const [label, figures] of stores) {
    const missing = figures.throughput.oneWorkerProcess;
    if (!isMeasured(missing))
      notes.add(`${label}: n/a because ${missing.notMeasured}`);
  }
  const { pollIntervalMs, throughputConcurrency } = results.engineOptions;
  const sections = [
    `Lidex bench (${results.mode}) on ${Object.entries(results.machine)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}`,
    'server' in results.mongodb
      ? `MongoDB: ${results.mongodb.server} (${results.mongodb.source})`
      : `MongoDB skipped: ${results.mongodb.skipped}`,
    ...(results.mongoJavaServer
      ? [
          'server' in results.mongoJavaServer
            ? `mongo-java-server: ${results.mongoJavaServer.server} (${results.mongoJavaServer.source})`
            : `mongo-java-server skipped: ${results.mongoJavaServer.skipped}`,
        ]
      : []),
    ...(results.postgres ? [`PostgreSQL: ${results.postgres}`] : []),
    ...(results.mysql ? [`MySQL: ${results.mysql}`] : []),
    table(
      `Throughput: N workflows of 3 no-op steps started at once (concurrency ${throughputConcurrency} per worker); workflows/s and steps/s`,
      [
        'store',
        'N',
        'in-process',
        'steps/s',
        'CPU µs/wf',
        '1 worker proc',
        'steps/s',
        '2 worker procs',
        'steps/s',
      ],
      stores.map(([label, { throughput: t }]) => [
        label,
        t.inProcess.workflows,
        t.inProcess.workflowsPerSecond,
        t.inProcess.stepsPerSecond,
        t.inProcess.cpuUsPerWorkflow ?? 'n/a',
        rate(t.oneWorkerProcess, 'workflowsPerSecond'),
        rate(t.oneWorkerProcess, 'stepsPerSecond'),
        rate(t.twoWorkerProcesses, 'workflowsPerSecond'),
        rate(t.twoWorkerProcesses, 'stepsPerSecond'),
      ]),
    ),
    table(
      `Latency, one workflow at a time, p50 / p99 ms (pickup from another process: its worker has pollIntervalMs ${pollIntervalMs})`,
      [
        'store',
        'N',
        'start→finished',
        'pickup same proc',
        'N',
        'pickup other proc',
      ],
      stores.map(([label, { latency: l }]) => [
        label,
        l.oneAtATime.samples,
        ms(l.oneAtATime),
        ms(l.pickupSameProcess),
        l.pickupSameProcess.samples,
        ms(l.pickupOtherProcess),
      ]),
    ),
    table(
      `Signals: sent → the waiting workflow's next step running, one at a time, p50 / p90 / p99 ms (target on SQLite: p50 < 5 same process, < 20 other process, whose worker has pollIntervalMs ${pollIntervalMs}); store calls per signal sent (target: sendSignal 1)`,
      ['store', 'N', 'same process', 'other process', 'calls per signal'],
      stores.map(([label, { signals: g }]) => [
        label,
        g.sameProcess.samples,
        ms90(g.sameProcess),
        ms90(g.otherProcess),
        Object.entries(g.writes.callsPerSignal)
          .map(([method, n]) => `${method} ${n}`)
          .join(', '),
      ]),
    ),
    table(
      'Store round trips of a 3-step workflow (floor: start 1 + claim 1 + 3 steps + finish 1 = 6; target ≤ 7, ≤ 1 per step, 0 reads)',
      [
        'store',
        'started',
        'N',
        'calls/wf',
        'reads/wf',
        'calls/step',
        'cmds/wf',
        'cmds/step',
        'calls by method, per workflow',
      ],
      stores.flatMap(([label, { roundTrips: r, sizes }]) =>
        (['localStart', 'startedElsewhere'] as const).map((started) => {
          const { perWorkflow: w, perStep: s } = r[started];
          return [
            label,
            started === 'localStart' ? 'here' : 'elsewhere',
            sizes.roundTrips,
            w.calls,
            w.reads,
            s.calls,
            w.commands ?? NA,
            s.commands ?? NA,
            Object.entries(w.byMethod)
              .map(([method, n]) => `${method} ${n}`)
              .join(', '),
          ];
        }),
      ),
    ),
    table(
      'Claim cost: one claimReady call with one lease, returning a workflow, p50 / p99 ms; empty store vs one grown with finished and ready workflows',
      [
        'store',
        'finished',
        'ready',
        'claims',
        'empty',
        'grown',
        'grown/empty',
        'seeding s',
      ],
      stores.map(([label, { claimCost: c }]) => [
        label,
        c.sizes.finished,
        c.sizes.ready,
        c.sizes.claims,
        `${c.empty.p50Ms} / ${c.empty.p99Ms}`,
        `${c.grown.p50Ms} / ${c.grown.p99Ms}`,
        c.ratio,
        c.seedSeconds,
      ]),
    ),
    table(
      'Sleepers: workflows asleep for an hour, cost to the worker process (after GC)',
      [
        'store',
        'sleepers',
        'RSS growth MB',
        'heap growth MB',
        'timers before',
        'timers asleep',
      ],
      stores.map(([label, { sleepers: s }]) => [
        label,
        s.sleepers,
        s.rssGrowthMb,
        s.heapGrowthMb,
        s.timersBefore,
        s.timersAsleep,
      ]),
    ),
    ...(stores.some(([, figures]) => figures.stepWrite)
      ? [
          table(
            'Step write (MongoDB): mean ms of the update one step write sends, beside the same update and a plain $set filtered by _id alone, among N running workflows',
            [
              'store',
              'N',
              'samples',
              'step write',
              'same update by _id',
              'plain $set by _id',
              'step/plain',
            ],
            stores.flatMap(([label, { stepWrite: w }]) =>
              w
                ? [
                    [
                      label,
                      w.sizes.workflows,
                      w.sizes.samples,
                      w.stepWriteMs,
                      w.sameUpdateByIdMs,
                      w.plainUpdateByIdMs,
                      w.ratio,
                    ],
                  ]
                : [],
            ),
          ),
        ]
      : []),
    ...(results.peers ? renderPeers(results.peers, format) : []),
    ...[...notes].map((note) => `Note: ${note}`),
    'Note: memory sleepers are started inside the worker and stored in its heap, so their growth includes the store itself.',
  ];
  if (results.seconds !== undefined)
    sections.push(`Took ${results.seconds} s.`);
  return sections.join('\n\n');
}
