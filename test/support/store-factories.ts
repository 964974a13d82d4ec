import { join } from 'node:path';
import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { tempDir } from './temp-dir';

/** How a test suite gets a fresh, initialised store of one kind, and cleans it up. */
export interface StoreFactory {
  label: string;
  /** Whether what is stored outlives the store object (reopen sees it). */
  durable: boolean;
  /** A fresh, empty, initialised store. */
  create(): Promise<Persistence>;
  /**
   * Another store object over the same data as the last `create()`, as a second app instance
   * would open it (the memory store, which cannot be shared, hands back the same object).
   */
  reopen(): Promise<Persistence>;
  cleanup(): Promise<void>;
}

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
