import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { SqliteStatements } from '../../lib/stores/sqlite/sqlite.statements';
import {
  KEY,
  label,
  PRIORITY,
  ROWS,
  SHAPES,
  STATUS,
  type Shape,
} from '../support/list-shapes';
import {
  describeEachMongo,
  dropTestDatabases,
  testDatabase,
} from '../support/mongo';
import { tempDir } from '../support/temp-dir';

/*
 * The dashboard's Priority and Key filters list through `list({ priority })` and
 * `list({ concurrencyKey })`, alone and with the status and name filters, every 2 s: among many
 * workflows each page is read through an index in list order (newest first, the id tie-break,
 * the cursor), never a whole table and never sorted afterwards.
 */

describe('SQLite: filtered lists', () => {
  const dir = tempDir();
  const path = join(dir.path, 'many.sqlite');
  let db: Database.Database;

  beforeAll(async () => {
    // The store makes the file, with every index it keeps; the rows go in directly.
    const store = new SqliteStore({ path });
    await store.init();
    await store.close();
    db = new Database(path);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO lidex_workflows
         (id, name, status, input, ready_at, priority, concurrency_key, created_at, updated_at)
       SELECT 'w' || i, 'wf' || (i % 4),
         CASE i % 10 WHEN 0 THEN 'aborted' WHEN 1 THEN 'idle' ELSE 'finished' END, '1',
         CASE i % 10 WHEN 1 THEN i END, CASE i % 7 WHEN 0 THEN 5 ELSE 0 END,
         CASE WHEN i % 41 = 0 THEN 'big' WHEN i % 2 = 0 THEN 'k' || (i % 500) END, i, i
       FROM n`,
    ).run(ROWS);
  });

  afterAll(() => {
    db?.close();
    dir.remove();
  });

  const plan = (shape: Shape, after: boolean): string[] => {
    const statement = new SqliteStatements(db, 'lidex_').list({
      status: shape.status === true,
      name: shape.name === true,
      after,
      priority: shape.priority,
      concurrencyKey: shape.concurrencyKey,
    });
    const params = {
      ...(shape.status ? { status: STATUS } : {}),
      ...(shape.name ? { name: 'wf2' } : {}),
      ...(shape.priority ? { priority: PRIORITY } : {}),
      ...(shape.concurrencyKey ? { concurrency_key: KEY } : {}),
      ...(after ? { after_created_at: ROWS / 2, after_id: 'w1' } : {}),
      limit: 51,
    };
    return (
      db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(params) as {
        detail: string;
      }[]
    ).map((row) => row.detail);
  };

  /** The index each shape searches: the key's when there is one, else status and priority's. */
  const expected = (shape: Shape): RegExp =>
    shape.concurrencyKey
      ? /^SEARCH lidex_workflows USING INDEX lidex_workflows_key_newest \(concurrency_key=\?/
      : shape.status
        ? /^SEARCH lidex_workflows USING INDEX lidex_workflows_status_priority \(status=\? AND priority=\?/
        : shape.name
          ? /^SEARCH lidex_workflows USING INDEX lidex_workflows_(name|priority_newest) \((name|priority)=\?/
          : /^SEARCH lidex_workflows USING INDEX lidex_workflows_priority_newest \(priority=\?/;

  for (const analyzed of [false, true]) {
    it(`searches an index in list order, no scan and no sort${analyzed ? ', after ANALYZE' : ''}`, () => {
      if (analyzed) db.exec('ANALYZE');
      const plans: Record<string, string[]> = {};
      const wanted: Record<string, unknown> = {};
      for (const shape of SHAPES) {
        for (const after of [false, true]) {
          plans[label(shape, after)] = plan(shape, after);
          wanted[label(shape, after)] = [
            expect.stringMatching(expected(shape)),
          ];
        }
      }
      expect(plans).toEqual(wanted);
      // The claims still search the ready indexes they searched before.
      const statements = new SqliteStatements(db, 'lidex_');
      const params = {
        now: 1,
        lease_token: 't',
        lease_until: 2,
        versions: '{}',
        priority: 0,
        full_names: '[]',
        full_keys: '[]',
        rated_names: '[]',
        rated_keys: '[]',
      };
      const claimPlan = (claim: Database.Statement) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${claim.source}`).all(params) as {
            detail: string;
          }[]
        ).map((row) => row.detail);
      for (const claim of [
        statements.claimNextReady,
        statements.claimNextUnleased,
      ])
        expect(claimPlan(claim)).toContain(
          'SEARCH lidex_workflows USING INDEX lidex_workflows_priority_ready (priority=? AND ready_at>? AND ready_at<?)',
        );
      for (const claim of [
        statements.claimOldestReady,
        statements.claimOldestUnleased,
      ])
        expect(claimPlan(claim)).toContain(
          'SEARCH lidex_workflows USING INDEX lidex_workflows_ready (ready_at>? AND ready_at<?)',
        );
    });
  }

  it('adds the indexes to a file made before them, and lists by them', async () => {
    const older = join(dir.path, 'older.sqlite');
    const first = new SqliteStore({ path: older });
    await first.init();
    await first.insertWorkflow(
      { id: 'vip', name: 'wf', input: '1', now: 1 },
      undefined,
    );
    await first.close();
    const indexes = (file: string) => {
      const raw = new Database(file);
      try {
        return (
          raw
            .prepare(
              `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN
                ('lidex_workflows_priority_newest', 'lidex_workflows_status_priority',
                 'lidex_workflows_key_newest') ORDER BY name`,
            )
            .all() as { name: string }[]
        ).map((row) => row.name);
      } finally {
        raw.close();
      }
    };
    const raw = new Database(older);
    raw.exec(`DROP INDEX lidex_workflows_priority_newest;
      DROP INDEX lidex_workflows_status_priority; DROP INDEX lidex_workflows_key_newest;`);
    raw.close();
    expect(indexes(older)).toEqual([]);
    const upgraded = new SqliteStore({ path: older });
    await upgraded.init();
    expect(indexes(older)).toEqual([
      'lidex_workflows_key_newest',
      'lidex_workflows_priority_newest',
      'lidex_workflows_status_priority',
    ]);
    const listed = await upgraded.listWorkflows({ priority: 0, limit: 10 });
    expect(listed.map((workflow) => workflow.id)).toEqual(['vip']);
    await upgraded.close();
    // Opening it again changes nothing.
    const again = new SqliteStore({ path: older });
    await again.init();
    await again.close();
    expect(indexes(older)).toHaveLength(3);
  });
});

// The test servers plan no query (they scan anyway); a real mongod reads these indexes.
describeEachMongo('MongoDB on $label: filtered lists', (server) => {
  afterAll(() => dropTestDatabases());

  const LIST_INDEXES = [
    {
      name: 'lidex_key_newest',
      key: { concurrencyKey: 1, createdAt: -1, _id: -1 },
    },
    {
      name: 'lidex_priority_newest',
      key: { priority: 1, createdAt: -1, _id: -1 },
    },
    {
      name: 'lidex_status_priority',
      key: { status: 1, priority: 1, createdAt: -1, _id: -1 },
    },
  ];

  it('creates the indexes of the lists by priority and by key, also in a database made before them', async () => {
    const database = testDatabase(server.url);
    const client = new MongoClient(server.url);
    try {
      const workflows = client.db(database).collection('lidex_workflows');
      const listIndexes = async () =>
        (await workflows.indexes())
          .filter((index) => LIST_INDEXES.some((i) => i.name === index.name))
          .map(({ name, key }) => ({ name, key }))
          .sort((a, b) => a.name!.localeCompare(b.name!));
      const first = new MongoStore({ url: server.url, database });
      await first.init();
      await first.close();
      expect(await listIndexes()).toEqual(LIST_INDEXES);
      for (const { name } of LIST_INDEXES) await workflows.dropIndex(name);
      expect(await listIndexes()).toEqual([]);
      const again = new MongoStore({ url: server.url, database });
      await again.init();
      await again.close();
      expect(await listIndexes()).toEqual(LIST_INDEXES);
    } finally {
      await client.close();
    }
  });
});
