import { PostgresStore } from '@lidex/nestjs/postgres';
import { activityStatement } from '../../lib/stores/postgres/postgres.activity';
import {
  expectOnlyTheHourCounted,
  HOUR,
  MINUTE,
  NOW,
  OLD,
  OLD_AT,
  recordHourWorkflow,
} from '../support/activity-hour';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

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
    await sql(
      `INSERT INTO "${schema}".workflows (id, name, status, input, created_at, updated_at)
       SELECT 'old-' || i, 'wf', 'finished', '1', $1::bigint + i, $1::bigint + i + 500
       FROM generate_series(1, $2::int) i`,
      [OLD_AT, OLD],
    );
    await sql(
      `INSERT INTO "${schema}".steps (workflow_id, kind, step_id, result, started_at, recorded_at)
       SELECT 'old-' || i, 'step', s::text, '1', $1::bigint + i + s * 100, $1::bigint + i + s * 100 + 40
       FROM generate_series(1, $2::int) i, generate_series(1, 3) s`,
      [OLD_AT, OLD],
    );
    await recordHourWorkflow(store);
    await sql(`ANALYZE "${schema}".workflows`);
    await sql(`ANALYZE "${schema}".steps`);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await dropTestSchemas();
  });

  it('counts only the hour, with finished workflows from before it left unread', async () => {
    await expectOnlyTheHourCounted(store);
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
