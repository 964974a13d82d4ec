import type { MongoClient } from 'mongodb';

/**
 * The server's clock, in ms since the epoch: `hello`'s `localTime`, which MongoDB and FerretDB
 * both answer. Throws when the server does not say.
 */
export async function mongoServerTime(client: MongoClient): Promise<number> {
  const hello = await client.db('admin').command({ hello: 1 });
  const localTime: unknown = hello.localTime;
  if (!(localTime instanceof Date) || Number.isNaN(localTime.getTime())) {
    throw new Error('the server answered hello without a localTime');
  }
  return localTime.getTime();
}
