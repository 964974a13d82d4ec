import { join } from 'node:path';
import { MemoryStore } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import type { StoreFactory } from '@lidex/nestjs/testing';
import { tempDir } from './temp-dir';

export type { StoreFactory };

export function memoryStoreFactory(): StoreFactory {
  let store = new MemoryStore();
  return {
    label: 'memory',
    durable: false,
    create: async () => {
      store = new MemoryStore();
      await store.init();
      return store;
    },
    reopen: () => Promise.resolve(store),
    cleanup: () => Promise.resolve(),
  };
}

export function sqliteStoreFactory(): StoreFactory {
  const dir = tempDir('lidex-sqlite-');
  let count = 0;
  let path = '';
  return {
    label: 'sqlite',
    durable: true,
    create: async () => {
      path = join(dir.path, `store-${++count}.sqlite`);
      const store = new SqliteStore({ path });
      await store.init();
      return store;
    },
    reopen: async () => {
      const store = new SqliteStore({ path });
      await store.init();
      return store;
    },
    cleanup: () => {
      dir.remove();
      return Promise.resolve();
    },
  };
}
