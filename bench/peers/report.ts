import { round } from '../stats';
import { table, type TableFormat } from '../table';
import type { Readings } from './contender';
import type { PeerResults } from './index';

const NA = 'n/a';
const reading = (values: Readings | undefined, key: string) =>
  values?.[key] ?? NA;

/** "Beside the peers": each contender's figures, then ours against each peer as ratios. */
export function renderPeers(
  results: PeerResults,
  format: TableFormat,
): string[] {
  const { sizes } = results;
  const contenders = Object.entries(results.contenders);
  const sections = [
    ...Object.values(results.servers).map(
      (server) => `Peers' server: ${server}`,
    ),
    ...Object.entries(results.skipped).map(
      ([peer, reason]) => `${peer} skipped: ${reason}`,
    ),
  ];
  if (contenders.length === 0) return sections;
  sections.push(
    table(
      `Beside the peers (load average ${results.loadAverage1m.start} as the rounds began, ${results.loadAverage1m.end} as they ended): ${sizes.throughput} workflows of 3 no-op steps started at once, then ${sizes.latency} one at a time (start→finished), in ${sizes.rounds} interleaved rounds (${contenders.map(([label]) => label).join(', ')}, …); medians over the rounds. Costs from ${sizes.costs} workflows one at a time`,
      [
        'contender',
        'what',
        'workflows/s',
        'each round',
        'CPU µs/wf',
        'p50 / p99 ms',
        'round trips/wf',
        'statements/wf',
        'statements/step',
        'idle polls/wf',
        'Redis cmds/wf',
      ],
      contenders.map(([label, c]) => [
        label,
        c.what,
        c.workflowsPerSecond,
        c.throughput.map((t) => t.workflowsPerSecond).join(' / '),
        c.cpuUsPerWorkflow,
        `${c.p50Ms} / ${c.p99Ms}`,
        reading(c.costs?.perWorkflow, 'roundTrips'),
        reading(c.costs?.perWorkflow, 'statements'),
        reading(c.costs?.perStep, 'statements'),
        reading(c.costs?.perWorkflow, 'idlePolls'),
        reading(c.costs?.perWorkflow, 'redisCommands'),
      ]),
      format,
    ),
  );
  const ours = contenders.filter(([, c]) => c.ours);
  const peers = contenders.filter(([, c]) => !c.ours);
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : NA);
  if (ours.length > 0 && peers.length > 0) {
    sections.push(
      table(
        'Ours / peer, same run: workflows/s above 1 means ours is faster; CPU/wf (this process), p50 and p99 below 1 mean ours is cheaper or faster',
        ['ours', 'peer', 'workflows/s', 'CPU/wf', 'p50', 'p99'],
        ours.flatMap(([label, mine]) =>
          peers.map(([peer, theirs]) => [
            label,
            peer,
            `${ratio(mine.workflowsPerSecond, theirs.workflowsPerSecond)}×`,
            `${ratio(mine.cpuUsPerWorkflow, theirs.cpuUsPerWorkflow)}×`,
            `${ratio(mine.p50Ms, theirs.p50Ms)}×`,
            `${ratio(mine.p99Ms, theirs.p99Ms)}×`,
          ]),
        ),
        format,
      ),
    );
  }
  const floor = results.commitFloor;
  const beside = floor && results.contenders[floor.beside];
  if (floor && beside) {
    const writes = beside.costs?.perWorkflow.roundTrips;
    const least =
      writes === undefined ? undefined : round(writes * floor.commitP50Ms);
    sections.push(
      `PostgreSQL's floor, same server, same moments: one durable single-row commit (an UPDATE in its own transaction, one at a time) after each of ${floor.beside}'s workflows run one at a time, p50 ${floor.commitP50Ms} ms (each round: ${floor.rounds.map(({ p50Ms }) => p50Ms).join(' / ')}).` +
        (least === undefined
          ? ''
          : ` A workflow whose ${writes} writes are each durable before it moves on takes at least ${writes} × ${floor.commitP50Ms} = ${least} ms; ${floor.beside}'s p50 is ${beside.p50Ms} ms, ${ratio(beside.p50Ms, least)}× that.`),
    );
  }
  sections.push(
    'Note: CPU µs/wf is what this process spent (user and system) per workflow in the throughput runs: the engine, the store driver and the peer libraries, not a database server (PostgreSQL, Redis). Round trips are what the clients sent from this process: queries of `pg` clients (PostgreSQL), commands and pipelines of ioredis clients (BullMQ). Statements are what PostgreSQL executed (pg_stat_statements, BEGIN and COMMIT included); Redis commands, what Redis executed (total_commands_processed, commands called by Lua scripts included). For the peers they include what each ran in the background meanwhile (polls, keep-alives, blocking waits); ours leave out the polls that found nothing (one per pollIntervalMs while idle, however many workflows run, so their number per workflow depends on how long the count took), shown apart as idle polls/wf.',
  );
  return sections;
}
