import type { MongoServer } from './mongo-server';

export default async function globalTeardown(): Promise<void> {
  await (
    globalThis as { lidexMongoServer?: MongoServer }
  ).lidexMongoServer?.stop();
}
