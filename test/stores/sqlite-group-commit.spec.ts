import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { GroupCommit } from '../../lib/stores/sqlite/sqlite.group-commit';
import { tempDir } from '../support/temp-dir';

describe('SQLite group commit', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Database.Database;
  let commits: number;

  beforeEach(() => {
    dir = tempDir('lidex-group-');
    db = new Database(join(dir.path, 'g.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY)');
    commits = 0;
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      if (sql === 'COMMIT') commits++;
      return exec(sql);
    };
  });

  afterEach(() => {
    db.close();
    dir.remove();
  });

  const insert = (id: string) => () =>
    db.prepare('INSERT INTO t VALUES (?)').run(id).changes;
  const ids = () =>
    (db.prepare('SELECT id FROM t ORDER BY id').all() as { id: string }[]).map(
      (row) => row.id,
    );

  it('commits the writes asked for in one turn together, once', async () => {
    const group = new GroupCommit(() => db);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) => group.submit(insert(id))),
    );
    expect(results).toEqual([1, 1, 1]);
    expect(commits).toBe(1);
    expect(ids()).toEqual(['a', 'b', 'c']);
  });

  it('fails a write alone: the others in its commit are kept', async () => {
    const group = new GroupCommit(() => db);
    const failing = db.transaction(() => {
      insert('b')();
      throw new Error('refused');
    });
    const outcomes = await Promise.allSettled([
      group.submit(insert('a')),
      group.submit(() => failing.immediate()),
      group.submit(insert('a')), // duplicate key: fails alone too
      group.submit(insert('c')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(ids()).toEqual(['a', 'c']);
  });

  it('reports every write failed, and applies none, when the commit cannot start', async () => {
    db.pragma('busy_timeout = 0');
    const other = new Database(join(dir.path, 'g.sqlite'));
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    const group = new GroupCommit(() => db);
    const outcomes = await Promise.allSettled([
      group.submit(insert('a')),
      group.submit(insert('b')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
    ]);
    other.exec('ROLLBACK');
    other.close();
    expect(ids()).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it('reports every write failed, and keeps none, when one fills the disk and SQLite abandons the transaction', async () => {
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 3}`); // a disk with room for a few pages only
    db.exec('CREATE TABLE blobs (id TEXT PRIMARY KEY, v BLOB)');
    const blob = (id: string, size: number) => () =>
      db.prepare('INSERT INTO blobs VALUES (?, ?)').run(id, Buffer.alloc(size));
    const group = new GroupCommit(() => db);
    const outcomes = await Promise.allSettled([
      group.submit(blob('a', 10)),
      group.submit(blob('big', 1_000_000)),
      group.submit(blob('c', 10)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(
      /full/i,
    );
    expect(db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({
      n: 0,
    });
    expect(db.inTransaction).toBe(false);
  });

  it('lets the store commit what was asked for before it closes', async () => {
    const path = join(dir.path, 'store.sqlite');
    const store = new SqliteStore({ path });
    await store.init();
    const inserted = store.insertWorkflow({
      id: 'w',
      name: 'wf',
      input: '1',
      now: 1,
    });
    await store.close();
    expect(await inserted).toBe(true);
    const reopened = new SqliteStore({ path });
    await reopened.init();
    expect((await reopened.getWorkflow('w'))?.status).toBe('idle');
    await reopened.close();
  });
});
