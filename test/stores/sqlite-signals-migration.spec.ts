import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { sqliteSchema } from '../../lib/stores/sqlite/sqlite.schema';
import { tempDir } from '../support/temp-dir';

describe('SqliteStore: a file made before signals', () => {
  const dir = tempDir('lidex-sqlite-signals-');
  afterAll(() => dir.remove());

  it('gains the signal table and columns when opened, keeping its workflows', async () => {
    const path = join(dir.path, 'old.sqlite');
    const old = new Database(path);
    old.exec(sqliteSchema('lidex_'));
    // What the release before signals had: no signals table, no waiting columns.
    old.exec(`DROP TABLE lidex_signals;
      ALTER TABLE lidex_workflows DROP COLUMN waiting_for;
      ALTER TABLE lidex_workflows DROP COLUMN waiting_kind;
      INSERT INTO lidex_workflows (id, name, status, input, ready_at, created_at, updated_at)
      VALUES ('kept', 'wf', 'idle', '"in"', 1, 1, 1);`);
    old.close();

    const store = new SqliteStore({ path });
    await store.init();
    expect(
      await store.sendSignal({
        workflowId: 'kept',
        name: 'paid',
        payload: '1',
        signalId: 's1',
        now: 2,
      }),
    ).toBe('delivered');
    expect(await store.listWorkflows({ limit: 5, waiting: 'signal' })).toEqual(
      [],
    );
    expect((await store.getWorkflow('kept'))?.signals).toHaveLength(1);
    await store.close();
    // Opened again: nothing to add twice.
    const again = new SqliteStore({ path });
    await again.init();
    expect((await again.getWorkflow('kept'))?.signals).toHaveLength(1);
    await again.close();
  });
});
