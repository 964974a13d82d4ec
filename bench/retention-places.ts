import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { MysqlStore } from '@lidex/nestjs/mysql';
import type { Persistence } from '@lidex/nestjs';
import {
  PURGE_LOOP,
  procCpuUs,
  type RetentionPlace,
  T0,
} from './scenarios/retention-claims';

/**
 * Writes one finished workflow named `old` through the store (so its row or document is what the
 * store writes), for the seed to copy `count` times with ids old-<i> and ended at T0 + i.
 */
async function finishedPrototype(store: Persistence): Promise<void> {
  await store.insertWorkflow({
    id: 'proto',
    name: 'old',
    input: '"x"',
    now: T0,
  });
  const [claimed] = await store.claimReady(T0, [
    { token: 'proto', until: T0 + 60_000 },
  ]);
  if (!claimed) throw new Error('the prototype workflow was not claimed');
  await store.recordFinish(claimed.id, claimed.leaseToken, {
    result: '"r"',
    now: T0,
  });
}

/**
 * MongoDB (mongo-java-server): the claims' commands are counted on the store's client; the CPU is
 * this process's, where the store's code runs (the server's would count the purge's too).
 */
export async function mongoPlace(url: string): Promise<RetentionPlace> {
  const database = `lidex_retention_${Date.now().toString(36)}`;
  const client = new MongoClient(url, { monitorCommands: true });
  let sent = 0;
  client.on('commandStarted', () => (sent += 1));
  await client.connect();
  const workflows = client.db(database).collection('lidex_workflows');
  let store: MongoStore | undefined;
  return {
    store: 'mongo-java-server',
    open: async () => {
      store = new MongoStore({ client, database });
      await store.init();
      return store;
    },
    seed: async (count) => {
      await finishedPrototype(store!);
      const proto = await workflows.findOne({ _id: 'proto' as never });
      if (!proto) throw new Error('the prototype document is missing');
      await workflows.deleteOne({ _id: 'proto' as never });
      for (let from = 0; from < count; from += 1_000) {
        const docs = [];
        for (let i = from; i < Math.min(count, from + 1_000); i++)
          docs.push({
            ...proto,
            _id: `old-${i}`,
            createdAt: T0 + i,
            updatedAt: T0 + i,
          });
        await workflows.insertMany(docs as never[]);
      }
    },
    purgerScript: `(async () => {
      const { MongoStore } = require('@lidex/nestjs/mongodb');
      const store = new MongoStore({ url: ${JSON.stringify(url)}, database: ${JSON.stringify(database)} });
      await store.init();
      ${PURGE_LOOP}
    })().catch((error) => { console.error(error); process.exit(1); });`,
    cpuUs: () => {
      const used = process.cpuUsage();
      return Promise.resolve(used.user + used.system);
    },
    statements: () => sent,
    close: async () => {
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
}

/**
 * MySQL/MariaDB: the claims run on a pool of one connection, whose server thread's CPU is read
 * from /proc (mariadbd runs here, one thread per connection); the statements are counted as the
 * store sends them.
 */
export async function mysqlPlace(url: string): Promise<RetentionPlace> {
  const tablePrefix = `r${Date.now().toString(36).slice(-6)}_`;
  const pool = createPool({ uri: url, connectionLimit: 1 });
  const admin = createPool({ uri: url, connectionLimit: 1 });
  let sent = 0;
  const counted = {
    getConnection: async () => {
      const connection = await pool.getConnection();
      const query = connection.query.bind(connection);
      connection.query = ((...args: Parameters<typeof query>) => {
        sent += 1;
        return query(...args);
      }) as typeof connection.query;
      return connection;
    },
    query: (sql: string, values?: unknown[]) => {
      sent += 1;
      return pool.query(sql, values);
    },
  };
  let store: MysqlStore | undefined;
  let thread: { pid: number; tid: number } | undefined;
  const claimingThread = async () => {
    if (thread) return thread;
    const [[{ id }]] = await pool.query<RowDataPacket[]>(
      'SELECT CONNECTION_ID() AS id',
    );
    const [[{ tid }]] = await admin.query<RowDataPacket[]>(
      'SELECT TID AS tid FROM information_schema.PROCESSLIST WHERE ID = ?',
      [id],
    );
    const [[{ file }]] = await admin.query<RowDataPacket[]>(
      'SELECT @@pid_file AS file',
    );
    const pid = Number(readFileSync(String(file), 'utf8').trim());
    return (thread = { pid, tid: Number(tid) });
  };
  return {
    store: 'mysql',
    open: async () => {
      store = new MysqlStore({ pool: counted as unknown as Pool, tablePrefix });
      await store.init();
      return store;
    },
    seed: async (count) => {
      await finishedPrototype(store!);
      const w = `${tablePrefix}workflows`;
      const [[proto]] = await admin.query<RowDataPacket[]>(
        `SELECT * FROM ${w} WHERE id = 'proto'`,
      );
      await admin.query(`DELETE FROM ${w} WHERE id = 'proto'`);
      const columns = Object.keys(proto);
      for (let from = 0; from < count; from += 1_000) {
        const rows = [];
        for (let i = from; i < Math.min(count, from + 1_000); i++) {
          const id = `old-${i}`;
          const row: Record<string, unknown> = {
            ...proto,
            id,
            // The key the store computes: SHA-256 of the id.
            id_key: createHash('sha256').update(id).digest(),
            created_at: T0 + i,
            updated_at: T0 + i,
          };
          rows.push(columns.map((c) => row[c]));
        }
        await admin.query(
          `INSERT INTO ${w} (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`,
          [rows],
        );
      }
      await admin.query(`ANALYZE TABLE ${w}`);
    },
    purgerScript: `(async () => {
      const { MysqlStore } = require('@lidex/nestjs/mysql');
      const store = new MysqlStore({ url: ${JSON.stringify(url)}, tablePrefix: ${JSON.stringify(tablePrefix)} });
      await store.init();
      ${PURGE_LOOP}
    })().catch((error) => { console.error(error); process.exit(1); });`,
    cpuUs: async () => {
      const { pid, tid } = await claimingThread();
      return procCpuUs(pid, tid);
    },
    statements: () => sent,
    close: async () => {
      const [tables] = await admin.query<RowDataPacket[]>(
        'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?',
        [`${tablePrefix}%`],
      );
      for (const { t } of tables)
        await admin.query(`DROP TABLE IF EXISTS \`${String(t)}\``);
      const [routines] = await admin.query<RowDataPacket[]>(
        'SELECT ROUTINE_NAME AS r FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME LIKE ?',
        [`${tablePrefix}%`],
      );
      for (const { r } of routines)
        await admin.query(`DROP PROCEDURE IF EXISTS \`${String(r)}\``);
      await pool.end();
      await admin.end();
    },
  };
}
