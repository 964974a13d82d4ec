import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Client, Pool } from 'pg';
import { StoreUnavailableError } from '@lidex/nestjs';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { eventually } from '../support/eventually';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

const url = postgresUrl!;

describePostgres('PostgresStore: its pool', () => {
  afterAll(() => dropTestSchemas());

  it('lets a burst larger than the pool wait its turn, however long past connectTimeoutMs', async () => {
    const schema = testSchema();
    const connectTimeoutMs = 1_000;
    const store = new PostgresStore({
      url,
      schema,
      poolSize: 1,
      connectTimeoutMs,
      listen: false,
    });
    await store.init();
    // Another transaction holds the table: the pool's one connection waits on it, and the rest
    // of the burst waits for that connection, three times longer than the connect timeout.
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `LOCK TABLE "${schema}".workflows IN ACCESS EXCLUSIVE MODE`,
      );
      const burst = Promise.allSettled(
        Array.from({ length: 20 }, (_, n) => store.getWorkflow(`w${n}`)),
      );
      await eventually(
        async () =>
          (
            await sql<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND query LIKE $1`,
              [`%"${schema}".workflows%`],
            )
          )[0].n > 0,
        10_000,
        'the first read waiting for the table',
      );
      await new Promise((resolve) => setTimeout(resolve, 3 * connectTimeoutMs));
      await other.query('COMMIT');
      const settled = await burst;
      expect(settled.filter(({ status }) => status === 'rejected')).toEqual([]);
    } finally {
      await other.end();
      await store.close();
    }
  });

  it("runs on the app's pool without changing it: with no connectionTimeoutMillis, a burst waits its turn", async () => {
    const schema = testSchema();
    const pool = new Pool({ connectionString: url, max: 1 });
    pool.on('error', () => undefined);
    const store = new PostgresStore({ pool, schema, listen: false });
    await store.init();
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `LOCK TABLE "${schema}".workflows IN ACCESS EXCLUSIVE MODE`,
      );
      const burst = Promise.allSettled(
        Array.from({ length: 20 }, (_, n) => store.getWorkflow(`w${n}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await other.query('COMMIT');
      const settled = await burst;
      expect(settled.filter(({ status }) => status === 'rejected')).toEqual([]);
      expect(pool.options.max).toBe(1);
      expect(pool.options.connectionTimeoutMillis).toBeUndefined();
    } finally {
      await other.end();
      await store.close();
      await pool.end();
    }
  });

  it('still gives up on a connection the server does not answer within connectTimeoutMs', async () => {
    // Accepts the TCP connection and never answers the startup message.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) =>
      silent.listen(0, '127.0.0.1', resolve),
    );
    const { port } = silent.address() as AddressInfo;
    const store = new PostgresStore({
      url: `postgres://lidex@127.0.0.1:${port}/app`,
      connectTimeoutMs: 500,
      listen: false,
    });
    const started = Date.now();
    try {
      await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
