import { Client } from 'pg';
import {
  findPostgresBinaries,
  startPostgresServer,
  type PostgresServer,
} from '../support/postgres-server';
import { tempDir } from '../support/temp-dir';

// The helper the PostgreSQL suites and the bench stand on: a server of its own, durable across a
// crash and a graceful stop, that closes open connections when stopped.
const describeWithBinaries =
  findPostgresBinaries() || process.env.CI ? describe : describe.skip;

describeWithBinaries('test PostgreSQL server', () => {
  const dir = tempDir('lidex-pg-server-');
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgresServer(dir.path);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  const query = async (sql: string): Promise<unknown[]> => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as unknown[];
    } finally {
      await client.end();
    }
  };

  it('commits durably: fsync on, a committed row survives a crash and a graceful stop', async () => {
    expect(await query('SHOW fsync')).toEqual([{ fsync: 'on' }]);
    await query('CREATE TABLE kept (x int)');
    await query('INSERT INTO kept VALUES (1)');
    await server.stop('SIGKILL');
    await server.start();
    expect(await query('SELECT x FROM kept')).toEqual([{ x: 1 }]);
    await server.stop();
    await server.start();
    expect(await query('SELECT x FROM kept')).toEqual([{ x: 1 }]);
  }, 120_000);

  it('stops while a client is connected, which then sees its connection end', async () => {
    const client = new Client({ connectionString: server.url });
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    client.on('error', () => undefined);
    await client.connect();
    await server.stop();
    await ended;
    await server.start();
    expect(await query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, 120_000);
});
