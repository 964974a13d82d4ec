import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, StoreUnavailableError } from '@lidex/nestjs';
import { tempDir } from '../support/temp-dir';
import { sqliteStoreFactory } from '../support/store-factories';
import { describeStoreContract } from './store-contract';

describeStoreContract(sqliteStoreFactory());

describe('SqliteStore', () => {
  it('fails to open with an error naming the file when the path cannot be created', async () => {
    const dir = tempDir();
    const notAFolder = join(dir.path, 'plain-file');
    writeFileSync(notAFolder, '');
    const path = join(notAFolder, 'x.sqlite');
    const opening = new SqliteStore({ path }).init();
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(opening).rejects.toThrow(path);
    dir.remove();
  });

  it('refuses calls before init() with a clear error', async () => {
    const store = new SqliteStore({ path: '/tmp/never-opened.sqlite' });
    await expect(store.getWorkflow('a')).rejects.toThrow('call init() first');
  });
});
