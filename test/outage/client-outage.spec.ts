import { join } from 'node:path';
import {
  LidexEngine,
  StoreUnavailableError,
  type Persistence,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MongoStore } from '@lidex/nestjs/mongodb';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { MongoClient } from 'mongodb';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { CALL_LEFT, type CallLeft } from '../../lib/engine/client-call';
import { messages } from '../../lib/lidex.messages';
import {
  findServerBinary,
  startMongoServer,
  type MongoServerKind,
} from '../support/mongo-server';
import { findMysqlBinaries, startMysqlServer } from '../support/mysql-server';
import type { OutageServer } from '../support/outage-case';
import {
  findPostgresBinaries,
  startPostgresServer,
} from '../support/postgres-server';
import { tempDir } from '../support/temp-dir';

/** A real error of the server refusing a statement (not an outage), from the driver itself. */
type RefusedError = (url: string) => Promise<unknown>;

const caught = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
};

const mongoCase = (kind: MongoServerKind, label: string) => ({
  label,
  found: () => kind === 'mongo-java-server' || Boolean(findServerBinary()),
  start: (dir: string): Promise<OutageServer> =>
    startMongoServer(join(dir, 'data'), { kind }),
  open: (url: string): Persistence =>
    new MongoStore({ url, database: 'client-outage', connectTimeoutMs: 2000 }),
  refused: ((url) =>
    caught(async () => {
      const client = await MongoClient.connect(url);
      try {
        const things = client.db('client-outage').collection('things');
        await things.insertOne({ _id: 'one' } as never);
        await things.insertOne({ _id: 'one' } as never);
      } finally {
        await client.close();
      }
    })) as RefusedError,
});

const SERVERS = [
  {
    label: 'PostgreSQL',
    found: () => Boolean(findPostgresBinaries()),
    start: (dir: string): Promise<OutageServer> => startPostgresServer(dir),
    open: (url: string): Persistence =>
      new PostgresStore({ url, connectTimeoutMs: 2000 }),
    refused: ((url) =>
      caught(async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          await client.query('SELECT * FROM no_such_table');
        } finally {
          await client.end();
        }
      })) as RefusedError,
  },
  {
    label: 'MySQL',
    found: () => Boolean(findMysqlBinaries()),
    start: (dir: string): Promise<OutageServer> => startMysqlServer(dir),
    open: (url: string): Persistence =>
      new MysqlStore({ url, connectTimeoutMs: 2000 }),
    refused: ((url) =>
      caught(async () => {
        const connection = await createConnection(url);
        try {
          await connection.query('SELECT * FROM no_such_table');
        } finally {
          await connection.end();
        }
      })) as RefusedError,
  },
  mongoCase('mongo-java-server', 'mongo-java-server'),
  mongoCase(findServerBinary()?.kind ?? 'ferretdb', 'FerretDB (or mongod)'),
];

describe.each(SERVERS)('client calls during an outage of $label', (kind) => {
  // A server of its own, since this test stops it.
  const describeWithServer =
    kind.found() || process.env.CI ? describe : describe.skip;
  describeWithServer('', () => {
    const dir = tempDir('lidex-client-outage-');
    let server: OutageServer;
    let store: Persistence;
    let engine: LidexEngine;

    beforeAll(async () => {
      server = await kind.start(dir.path);
      store = kind.open(server.url);
      await store.init();
      engine = new LidexEngine({
        store,
        handlers: {
          waits: async (ctx: WorkflowContext) => ctx.waitForSignal('go', 'go'),
        },
      });
    }, 120_000);

    afterAll(async () => {
      await engine?.close();
      await server?.stop();
      dir.remove();
    });

    /** The call's rejection: a StoreUnavailableError naming the store and the call. */
    async function expectUnreachable(
      call: string,
      left: CallLeft,
      run: () => Promise<unknown>,
    ): Promise<void> {
      const error = await caught(run);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      const unavailable = error as StoreUnavailableError;
      expect(unavailable.when).toBe('unreachable');
      // The driver's error (from Node's realm for a socket's, so not `instanceof` Jest's Error).
      const cause = unavailable.cause as { message?: unknown } | undefined;
      expect(typeof cause?.message).toBe('string');
      expect(unavailable.message).toBe(
        messages.storeUnreachable(
          store.describe(),
          call,
          cause?.message as string,
          CALL_LEFT[left],
        ),
      );
    }

    it('rejects with StoreUnavailableError while the server is down, and works once it is back', async () => {
      expect(await engine.start('before', 'waits', {})).toBe(true);
      await server.stop('SIGKILL');
      try {
        await expectUnreachable('start()', 'start', () =>
          engine.start('during', 'waits', {}),
        );
        await expectUnreachable('get()', 'read', () => engine.get('before'));
        await expectUnreachable('list()', 'read', () => engine.list());
        await expectUnreachable('counts()', 'read', () => engine.counts());
        await expectUnreachable('signal()', 'signal', () =>
          engine.signal('before', 'go', 1, { signalId: 's1' }),
        );
        await expectUnreachable('cancel()', 'cancel', () =>
          engine.cancel('before'),
        );
        await expectUnreachable('schedules.create()', 'schedule', () =>
          engine.schedules.create('hourly', {
            workflow: 'waits',
            every: 3_600_000,
          }),
        );
        await expectUnreachable('schedules.list()', 'read', () =>
          engine.schedules.list(),
        );
        await expectUnreachable('schedules.trigger()', 'trigger', () =>
          engine.schedules.trigger('hourly'),
        );
      } finally {
        await server.start();
      }
      // The calls work again (mongo-java-server keeps nothing across a restart: a new id).
      expect(await engine.start('after', 'waits', {})).toBe(true);
      expect((await engine.get('after'))?.status).toBe('idle');
      expect((await engine.list()).workflows.map((w) => w.id)).toContain(
        'after',
      );
      expect((await engine.counts()).idle).toBeGreaterThanOrEqual(1);
      expect(await engine.signal('after', 'go', 1, { signalId: 's1' })).toBe(
        true,
      );
      expect(await engine.cancel('after')).toBe(true);
      expect(
        await engine.schedules.create('hourly', {
          workflow: 'waits',
          every: 3_600_000,
        }),
      ).toBe('created');
      expect((await engine.schedules.list()).map((one) => one.id)).toEqual([
        'hourly',
      ]);
    }, 120_000);

    it("leaves the server's own refusals to the caller as they are", async () => {
      const refused = await kind.refused(server.url);
      expect(store.isUnreachable?.(refused)).toBe(false);
    }, 30_000);
  });
});
