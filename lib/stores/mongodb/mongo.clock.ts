import type { MongoClient } from 'mongodb';

/**
 * The server's clock, in ms since the epoch: the `localTime` that `hello` answers (MongoDB,
 * FerretDB), or the older `isMaster` on servers without `hello` (mongo-java-server). Throws
 * when the server tells neither.
 */
export async function mongoServerTime(client: MongoClient): Promise<number> {
  const admin = client.db('admin');
  let answer = await admin.command({ hello: 1 }).catch(() => undefined);
  if (!(answer?.localTime instanceof Date)) {
    answer = await admin.command({ isMaster: 1 });
  }
  const localTime: unknown = answer.localTime;
  if (!(localTime instanceof Date) || Number.isNaN(localTime.getTime())) {
    throw new Error('the server tells no localTime in hello or isMaster');
  }
  return localTime.getTime();
}
