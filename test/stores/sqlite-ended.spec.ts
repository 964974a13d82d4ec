import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { SqliteStatements } from '../../lib/stores/sqlite/sqlite.statements';
import { claimNext } from '../support/claim-next';
import { writeEarlySqliteFile } from '../support/old-schema';
import { tempDir } from '../support/temp-dir';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

/** The store's own connection and statements (as the read-only spec reaches them). */
const opened = (store: SqliteStore) =>
  (
    store as unknown as {
      connection: {
        current(): { db: Database.Database; sql: SqliteStatements };
      };
    }
  ).connection.current();

/**
 * The tables and indexes a statement's program writes: the b-trees its cursors `Insert`,
 * `Delete`, `IdxInsert` or `IdxDelete` into, each cursor named by the `OpenWrite` that opened it.
 */
function writtenBy(db: Database.Database, source: string): string[] {
  const names = new Map(
    (
      db.prepare('SELECT name, rootpage FROM sqlite_master').all() as {
        name: string;
        rootpage: number;
      }[]
    ).map((row) => [row.rootpage, row.name]),
  );
  // Bound by position (the step statements): any values do, the program is the same.
  const unbound = source.match(/\?/g)?.length ?? 0;
  const program = db
    .prepare(`EXPLAIN ${source}`)
    .all(...Array<null>(unbound).fill(null)) as {
    opcode: string;
    p1: number;
    p2: number;
  }[];
  const cursors = new Map(
    program
      .filter((op) => op.opcode === 'OpenWrite')
      .map((op) => [op.p1, names.get(op.p2) ?? `page ${op.p2}`]),
  );
  const writes = ['Insert', 'Delete', 'IdxInsert', 'IdxDelete'];
  return [
    ...new Set(
      program
        .filter((op) => writes.includes(op.opcode))
        .map((op) => cursors.get(op.p1) ?? `cursor ${op.p1}`),
    ),
  ].sort();
}

const indexes = (db: Database.Database): string[] =>
  (
    db
      .prepare(
        `SELECT name FROM sqlite_master
         WHERE type = 'index' AND tbl_name = 'lidex_workflows' ORDER BY name`,
      )
      .all() as { name: string }[]
  ).map((row) => row.name);

describe('SqliteStore: the index of ended workflows is on when they ended', () => {
  const dir = tempDir('lidex-sqlite-ended-');
  afterAll(() => dir.remove());

  it('a step write that keeps the lease writes the workflow row and no index', async () => {
    const store = new SqliteStore({ path: join(dir.path, 'steps.sqlite') });
    await store.init();
    try {
      const { db, sql } = opened(store);
      expect(writtenBy(db, sql.advanceKeeping.source)).toEqual([
        'lidex_workflows',
      ]);
      // One that sets the lease names ready_at: the indexes on it, and the ended one, which
      // ready_at filters (its program writes there only for a row whose ready_at is NULL).
      expect(writtenBy(db, sql.advance.source)).toEqual([
        'lidex_workflows',
        'lidex_workflows_ended_at',
        'lidex_workflows_priority_ready',
        'lidex_workflows_ready',
      ]);
      // A purge reads ended workflows by status and end time, through their own index.
      const purge = (
        sql.retention as unknown as { selectPurgeable: Database.Statement }
      ).selectPurgeable;
      const plan = (
        db
          .prepare(`EXPLAIN QUERY PLAN ${purge.source}`)
          .all({ status: 'finished', ended_before: T0, limit: 10 }) as {
          detail: string;
        }[]
      ).map((row) => row.detail);
      expect(plan).toEqual([
        'SEARCH lidex_workflows USING INDEX lidex_workflows_ended_at (status=? AND ended_at<?)',
      ]);
    } finally {
      await store.close();
    }
  });

  it('upgrades a file whose ended index is on updated_at, and purges by when each workflow ended', async () => {
    const path = join(dir.path, 'old.sqlite');
    writeEarlySqliteFile(path, T0);
    const old = new Database(path);
    // What the versions before ended_at had: the ended index on updated_at.
    old.exec(`
      CREATE INDEX lidex_workflows_ended
        ON lidex_workflows (status, updated_at) WHERE ready_at IS NULL;
      INSERT INTO lidex_workflows (id, name, status, input, created_at, updated_at)
        VALUES ('ended-early', 'wf', 'finished', '1', ${T0}, ${T0 + 100}),
               ('ended-later', 'wf', 'finished', '1', ${T0}, ${T0 + 300});`);
    old.close();

    const store = new SqliteStore({ path });
    await store.init();
    try {
      const { db } = opened(store);
      expect(indexes(db)).toContain('lidex_workflows_ended_at');
      expect(indexes(db)).not.toContain('lidex_workflows_ended');
      const purge = { status: 'finished' as const, limit: 10 };
      expect(
        await store.purgeWorkflows({ ...purge, endedBefore: T0 + 200 }),
      ).toBe(1);
      expect(await store.getWorkflow('ended-early')).toBeUndefined();
      expect((await store.getWorkflow('ended-later'))?.status).toBe('finished');
      // A workflow ending now is purged by when it ended.
      const held = await claimNext(store, T0 + 1, {
        token: 't',
        until: T0 + MINUTE,
      });
      expect(held?.id).toBe('old');
      expect(
        await store.recordFinish('old', 't', { result: '2', now: T0 + 400 }),
      ).toBe(true);
      expect(
        await store.purgeWorkflows({ ...purge, endedBefore: T0 + 400 }),
      ).toBe(1);
      expect(
        await store.purgeWorkflows({ ...purge, endedBefore: T0 + 401 }),
      ).toBe(1);
      expect(await store.getWorkflow('old')).toBeUndefined();
    } finally {
      await store.close();
    }
    // Opened again: nothing to do twice.
    const again = new SqliteStore({ path });
    await again.init();
    try {
      expect(indexes(opened(again).db)).toContain('lidex_workflows_ended_at');
      expect(await again.countWorkflows({})).toMatchObject({ finished: 0 });
    } finally {
      await again.close();
    }
  });
});
