import type { MongoServer } from './mongo-server';
import { stopTestMysql } from './mysql-setup';
import { stopTestPostgres } from './postgres-setup';

export default async function globalTeardown(): Promise<void> {
  const servers =
    (globalThis as { lidexMongoServers?: MongoServer[] }).lidexMongoServers ??
    [];
  await Promise.all([
    ...servers.map((server) => server.stop()),
    stopTestPostgres(),
    stopTestMysql(),
  ]);
}
