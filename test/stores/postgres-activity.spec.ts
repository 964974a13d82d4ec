import { PostgresStore } from '@lidex/nestjs/postgres';
import { activityStatement } from '../../lib/stores/postgres/postgres.activity';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

const MINUTE = 60_000;
const NOW = 1_800_000_000_000;
const HOUR = 60 * MINUTE;
/** Finished workflows from before the charted hour (more with LIDEX_ACTIVITY_OLD). */
const OLD = Number(process.env.LIDEX_ACTIVITY_OLD ?? 20_000);

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [
  plan,
  ...(plan.Plans ?? []).flatMap(nodes),
];

// The dashboard refreshes its charts from `activity` every few seconds: on a table that keeps
// many finished workflows, it reads the last hour's rows through indexes, never the whole table.
describePostgres('PostgresStore activity', () => {
  let store: PostgresStore;
  let schema: string;

  beforeAll(async () => {
    schema = testSchema();
    store = new PostgresStore({ url: postgresUrl!, schema, poolSize: 2 });
    await store.init();
    const old = NOW - 3 * HOUR;
    await sql(
      `INSERT INTO "${schema}".workflows (id, name, status, input, created_at, updated_at)
       SELECT 'old-' || i, 'wf', 'finished', '1', $1::bigint + i, $1::bigint + i + 500
       FROM generate_series(1, $2::int) i`,
      [old, OLD],
    );
    await sql(
      `INSERT INTO "${schema}".steps (workflow_id, kind, step_id, result, started_at, recorded_at)
       SELECT 'old-' || i, 'step', s::text, '1', $1::bigint + i + s * 100, $1::bigint + i + s * 100 + 40
       FROM generate_series(1, $2::int) i, generate_series(1, 3) s`,
      [old, OLD],
    );
    // One workflow of the hour, finished, with two steps.
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
    await sql(`ANALYZE "${schema}".workflows`);
    await sql(`ANALYZE "${schema}".steps`);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await dropTestSchemas();
  });

  it('counts only the hour, with finished workflows from before it left unread', async () => {
    const buckets = await store.activity({
      since: NOW - HOUR,
      until: NOW,
      bucketMs: MINUTE,
    });
    const sum = (key: 'created' | 'ended' | 'finished' | 'steps') =>
      buckets.reduce((total, b) => total + b[key], 0);
    expect([
      sum('created'),
      sum('ended'),
      sum('finished'),
      sum('steps'),
    ]).toEqual([1, 1, 1, 2]);
    expect(buckets[51]).toMatchObject({
      steps: 2,
      stepMsTotal: 120,
      stepMsMax: 90,
    });
  });

  it('plans index scans of the window for all three reads, no sequential scan', async () => {
    const statement = activityStatement(schema);
    const [row] = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.text}`,
      [NOW - HOUR, NOW, MINUTE],
    );
    const plan = nodes(row['QUERY PLAN'][0].Plan);
    const scans = plan
      .filter((node) => / Scan$/.test(node['Node Type']))
      .map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''}`.trim());
    expect(scans.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);
    expect(
      ['workflows_newest', 'workflows_ended_at', 'steps_recorded'].filter(
        (index) => !scans.some((scan) => scan.endsWith(` ${index}`)),
      ),
    ).toEqual([]);
  });
});
