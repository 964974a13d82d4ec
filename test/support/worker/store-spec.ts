import { MemoryStore, type Persistence } from '@lidex/nestjs';
import { SqliteStore } from '@lidex/nestjs/sqlite';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { MysqlStore } from '@lidex/nestjs/mysql';
import type { MongoClient } from 'mongodb';

/** How a worker process opens a store: JSON, passed on its command line. */
export type StoreSpec =
  | { memory: true }
  | { sqlite: string; durability?: 'full' | 'normal' }
  | { mongodb: { url: string; database: string } }
  | { postgres: { url: string; schema: string; connectTimeoutMs?: number } }
  | {
      mysql: { url: string; tablePrefix: string; connectTimeoutMs?: number };
    };

/** Opens (without `init`) the store a spec names; MongoDB through `client` when given. */
export function openSpec(spec: StoreSpec, client?: MongoClient): Persistence {
  if ('memory' in spec) return new MemoryStore();
  if ('sqlite' in spec) {
    return new SqliteStore({ path: spec.sqlite, durability: spec.durability });
  }
  if ('postgres' in spec) return new PostgresStore(spec.postgres);
  if ('mysql' in spec) return new MysqlStore(spec.mysql);
  const { url, database } = spec.mongodb;
  return client
    ? new MongoStore({ client, database })
    : new MongoStore({ url, database });
}
