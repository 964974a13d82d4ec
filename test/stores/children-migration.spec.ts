import { join } from 'node:path';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { Persistence } from '@lidex/nestjs';
import { claimNext } from '../support/claim-next';
import { whileOpen, writeEarlySqliteFile } from '../support/old-schema';
import { tempDir } from '../support/temp-dir';

const T0 = 1_700_000_000_000;
const PARENT = { workflowId: 'p', parentClose: 'cancel' as const };

/** What a store opened on a database of the version before child workflows must do. */
async function keepsOldAndNewWorkflows(store: Persistence): Promise<void> {
  expect(await store.getWorkflow('old')).toMatchObject({ status: 'idle' });
  expect((await store.getWorkflow('old'))?.parent).toBeUndefined();
  await store.insertWorkflow({
    id: 'new',
    name: 'wf',
    input: '1',
    now: T0 + 1,
    parent: PARENT,
  });
  expect((await store.getWorkflow('new'))?.parent).toEqual(PARENT);
  expect(
    (await claimNext(store, T0 + 2, { token: 't', until: T0 + 9 }))?.id,
  ).toBe('old');
  const claimed = await claimNext(store, T0 + 2, { token: 'u', until: T0 + 9 });
  expect(claimed).toMatchObject({ id: 'new', parent: PARENT });
}

describe('child workflows on a database made before them', () => {
  it('SQLite: adds the parent column to a file made by an earlier version', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'old.sqlite');
    // An earlier version's file: the first release's columns, none of the later ones.
    writeEarlySqliteFile(path, T0);
    await whileOpen(new SqliteStore({ path }), keepsOldAndNewWorkflows);
    // Opened again: the column is there, nothing is added twice.
    const again = new SqliteStore({ path });
    await again.init();
    try {
      expect((await again.getWorkflow('new'))?.parent).toEqual(PARENT);
    } finally {
      await again.close();
      dir.remove();
    }
  });
});
