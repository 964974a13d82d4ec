import { PostgresStore } from '@lidex/nestjs/postgres';
import { readFileSync } from 'node:fs';
import { makeEngine } from '../support/engine-harness';
import { costHandlers, oneAtATime } from '../support/one-at-a-time';
import { reportFigures } from '../support/figures';
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
/**
 * Workflows run one at a time through the engine; LIDEX_HOT_WORKFLOWS measures more, and
 * reports the figures (LIDEX_FIGURES, test/support/figures.ts) with the server's CPU time.
 */
const MEASURED = Number(process.env.LIDEX_HOT_WORKFLOWS ?? 0);
const WORKFLOWS = MEASURED > 0 ? MEASURED : 20;
const FINISH_TIMEOUT_MS = 20_000;
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

/**
 * The CPU time (user and system) of the server processes serving the store of `schema` (those
 * whose last query named it), since they started; read from /proc, 0 where it cannot be.
 */
async function backendsCpuMs(schema: string): Promise<number> {
  const rows = await sql<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE $1`,
    [`%"${schema}"%`],
  );
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Not on this machine (a server elsewhere): not counted.
    }
  }
  return ticks * 10;
}

/** Workflows run through each write in the index count. */
const INDEXED_WORKFLOWS = 30;
/** A btree no entry was ever written to is its metapage alone. */
const EMPTY_INDEX_BYTES = 8192;

/** The workflows table's indexes that hold (or held) an entry, by name. */
async function writtenIndexes(schema: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT indexrelname AS name FROM pg_stat_user_indexes
      WHERE schemaname = $1 AND relname = 'workflows'
        AND pg_relation_size(indexrelid) > $2
      ORDER BY indexrelname`,
    [schema, EMPTY_INDEX_BYTES],
  );
  return rows.map((row) => row.name);
}

/*
 * Each write that is not a HOT update (a start, a claim, a finish) adds an entry to every index
 * of the workflows table whose condition the row meets: the fewer indexes a plain workflow
 * enters, the less the server spends on it (docs/benchmarks.md, issue 12).
 */
describePostgres('PostgresStore: the index entries each write adds', () => {
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

  it(
    "a workflow's step writes through the engine are HOT updates: they keep the lease's expiry while no renewal is due",
    async () => {
      const schema = testSchema();
      store = new PostgresStore({ url: postgresUrl!, schema });
      await store.init();
      const run = oneAtATime(store, FINISH_TIMEOUT_MS);
      const { engine } = makeEngine(
        { threeSteps: costHandlers.threeSteps },
        { store, pollIntervalMs: 600_000 },
      );
      const from = await updates(schema);
      await run(engine, 'threeSteps', 'wf', WORKFLOWS);
      const serverCpuMs = await backendsCpuMs(schema);
      await engine.stopWorker();
      await store.close();
      store = undefined;
      // Each workflow: its leased insert (no update), 2 step writes, its finish with the last step
      // (not HOT: it moves ready_at, status and ended_at, all indexed).
      const counted = await updatesSince(schema, from, 3 * WORKFLOWS);
      if (MEASURED > 0) {
        reportFigures('postgres step writes, one at a time', {
          workflows: WORKFLOWS,
          updates: counted.upd,
          hotUpdates: counted.hot,
          serverCpuUsPerWorkflow: Math.round((serverCpuMs * 1000) / WORKFLOWS),
        });
      }
      expect(counted.upd).toBe(3 * WORKFLOWS);
      expect(counted.hot).toBe(2 * WORKFLOWS);
    },
    30_000 + WORKFLOWS * 20,
  );

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

  it('a workflow of the default priority, without key, signal wait or limit, enters 9 of the 14 indexes (started, claimed, stepped, finished)', async () => {
    const schema = testSchema();
    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    for (let i = 0; i < INDEXED_WORKFLOWS; i++) {
      const id = `wf${i}`;
      const now = T0 + i * 10;
      await store.insertWorkflow({ id, name: 'plain', input: '1', now });
      const lease = { token: `lease-${i}`, until: now + MINUTE };
      const [claimed] = await store.claimReady(now + 1, [lease]);
      expect(claimed?.id).toBe(id);
      expect(
        await store.recordStep(
          id,
          lease.token,
          { kind: 'step', id: 'a', result: '1', recordedAt: now + 2 },
          { readyAt: lease.until, release: false, now: now + 2 },
        ),
      ).toBe(true);
      expect(
        await store.recordFinish(id, lease.token, {
          result: '2',
          now: now + 3,
        }),
      ).toBe(true);
    }
    const all = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM pg_indexes WHERE schemaname = $1 AND tablename = 'workflows'`,
      [schema],
    );
    expect(Number(all[0].n)).toBe(14);
    expect(await writtenIndexes(schema)).toEqual([
      'workflows_ended_at',
      'workflows_first_claims',
      'workflows_leased',
      'workflows_name_newest',
      'workflows_newest',
      'workflows_pkey',
      'workflows_priority_ready',
      'workflows_ready',
      'workflows_status',
    ]);
  });
  it('lists by the default priority, a negative one and a raised one, with the status filter, across pages', async () => {
    const schema = testSchema();
    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    const priorities = [0, 5, -2, 0, 5, 0];
    for (const [i, priority] of priorities.entries()) {
      await store.insertWorkflow({
        id: `wf${i}`,
        name: 'plain',
        input: '1',
        now: T0 + i,
        ...(priority !== 0 && { priority }),
      });
    }
    const listed = async (priority: number, status?: 'idle') => {
      const ids: string[] = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store!.listWorkflows({
          priority,
          ...(status && { status }),
          ...(after && { after }),
          limit: 2,
        });
        ids.push(...page.map((w) => w.id));
        if (page.length < 2) return ids;
        const last = page[page.length - 1];
        after = { createdAt: last.createdAt, id: last.id };
      }
    };
    expect(await listed(0)).toEqual(['wf5', 'wf3', 'wf0']);
    expect(await listed(5)).toEqual(['wf4', 'wf1']);
    expect(await listed(-2)).toEqual(['wf2']);
    expect(await listed(5, 'idle')).toEqual(['wf4', 'wf1']);
    expect(await listed(0, 'idle')).toEqual(['wf5', 'wf3', 'wf0']);
  });
});
