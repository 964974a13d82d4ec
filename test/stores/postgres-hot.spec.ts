import { PostgresStore } from '@lidex/nestjs/postgres';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const STEPS = 12;
/** Statistics reach pg_stat_user_tables as the store's connections close. */
const STATS_TIMEOUT_MS = 15_000;

interface Updates {
  upd: number;
  hot: number;
}

async function updates(schema: string): Promise<Updates> {
  const [row] = await sql<{ upd: string; hot: string }>(
    `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
      WHERE schemaname = $1 AND relname = 'workflows'`,
    [schema],
  );
  return { upd: Number(row?.upd ?? 0), hot: Number(row?.hot ?? 0) };
}

/** The table's updates since `from`, once at least `expected` of them are counted. */
async function updatesSince(
  schema: string,
  from: Updates,
  expected: number,
): Promise<Updates> {
  const until = Date.now() + STATS_TIMEOUT_MS;
  for (;;) {
    const now = await updates(schema);
    const delta = { upd: now.upd - from.upd, hot: now.hot - from.hot };
    if (delta.upd >= expected) return delta;
    if (Date.now() > until) {
      throw new Error(
        `pg_stat_user_tables counted ${delta.upd} of ${expected} updates in ${STATS_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describePostgres('PostgresStore: step writes that write no index', () => {
  let store: PostgresStore | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await dropTestSchemas();
  });

  it('a step write that keeps the lease expiry is a HOT update (no index entry written)', async () => {
    const schema = testSchema();
    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    const lease = { token: 'lease-1', until: T0 + MINUTE };
    await store.insertWorkflow(
      { id: 'wf', name: 'wf', input: '1', now: T0 },
      lease,
    );
    const before = await updatesSince(schema, await updates(schema), 0);
    const from = await updates(schema);
    for (let i = 0; i < STEPS; i++) {
      const now = T0 + 1 + i;
      const held = await store.recordStep(
        'wf',
        lease.token,
        { kind: 'step', id: `s${i}`, result: '1', recordedAt: now },
        { readyAt: lease.until, release: false, now },
      );
      expect(held).toBe(true);
    }
    expect((await store.getWorkflow('wf'))?.readyAt).toBe(lease.until);
    // Its connections' statistics are sent as they close.
    await store.close();
    store = undefined;
    expect(before.upd).toBe(0);
    expect(await updatesSince(schema, from, STEPS)).toEqual({
      upd: STEPS,
      hot: STEPS,
    });
  });

  it('upgrades a schema of version 10: ended workflows keep their end, purged through the new index; pages keep room', async () => {
    const schema = testSchema();
    const first = new PostgresStore({ url: postgresUrl!, schema });
    await first.init();
    const lease = { token: 'lease-1', until: T0 + MINUTE };
    await first.insertWorkflow(
      { id: 'old', name: 'wf', input: '1', now: T0 },
      lease,
    );
    expect(
      await first.recordFinish('old', lease.token, {
        result: '2',
        now: T0 + 5,
      }),
    ).toBe(true);
    await first.insertWorkflow(
      { id: 'late', name: 'wf', input: '1', now: T0 },
      lease,
    );
    expect(
      await first.recordFinish('late', lease.token, {
        result: '2',
        now: T0 + 50,
      }),
    ).toBe(true);
    await first.close();
    // Back to what version 10 made: no ended_at, the ended index on updated_at, default pages.
    await sql(`DROP INDEX IF EXISTS "${schema}".workflows_ended_at`);
    await sql(
      `ALTER TABLE "${schema}".workflows DROP COLUMN IF EXISTS ended_at`,
    );
    await sql(`ALTER TABLE "${schema}".workflows RESET (fillfactor)`);
    await sql(
      `CREATE INDEX IF NOT EXISTS workflows_ended ON "${schema}".workflows (status, updated_at) WHERE ready_at IS NULL`,
    );
    await sql(`UPDATE "${schema}".schema_version SET version = 10`);

    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    const indexes = await sql<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'workflows_ended%'`,
      [schema],
    );
    expect(indexes.map((row) => row.indexname)).toEqual(['workflows_ended_at']);
    const [table] = await sql<{ reloptions: string[] | null }>(
      `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = 'workflows'`,
      [schema],
    );
    expect(table.reloptions).toEqual(['fillfactor=80']);
    expect(
      await store.purgeWorkflows({
        status: 'finished',
        endedBefore: T0 + 10,
        limit: 10,
      }),
    ).toBe(1);
    expect(await store.getWorkflow('old')).toBeUndefined();
    expect((await store.getWorkflow('late'))?.status).toBe('finished');
    // A second start finds the schema current and changes nothing.
    await store.close();
    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    expect(
      await store.purgeWorkflows({
        status: 'finished',
        endedBefore: T0 + 100,
        limit: 10,
      }),
    ).toBe(1);
  });
});
