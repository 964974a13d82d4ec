import { PrismaPg } from '@prisma/adapter-pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql as drizzleSql } from 'drizzle-orm';
import { Kysely, PostgresDialect, sql as kyselySql } from 'kysely';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { InvalidArgumentError, LidexClient } from '@lidex/nestjs';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';
import {
  connectionTransact,
  startRolledBackThenCommitted,
  typeOrmManagerTransact,
  typeOrmRunnerTransact,
} from '../support/orm-transactions';
import {
  transactionStartCases,
  type Transact,
} from '../support/transaction-start-cases';
import { prismaClientClass } from '../support/prisma-client';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  testSchema,
} from '../support/postgres';

const url = postgresUrl!;

/** One way an app reaches PostgreSQL: the store built on it, and a transaction of its own. */
interface App {
  store: PostgresStore;
  /** The app's own transaction (see `Transact`). */
  transact: Transact;
  close(): Promise<void>;
}

type Adapter = [name: string, open: (schema: string) => Promise<App>];

const orders = (schema: string) => `"${schema}".orders`;

const adapters: Adapter[] = [
  [
    "TypeORM's DataSource, with the EntityManager of dataSource.transaction()",
    async (schema) => {
      const dataSource = new DataSource({ type: 'postgres', url });
      await dataSource.initialize();
      return {
        store: new PostgresStore({ typeorm: dataSource, schema }),
        transact: typeOrmManagerTransact(
          dataSource,
          `INSERT INTO ${orders(schema)} VALUES ($1)`,
        ),
        close: () => dataSource.destroy(),
      };
    },
  ],
  [
    "TypeORM's DataSource, with a QueryRunner after startTransaction()",
    async (schema) => {
      const dataSource = new DataSource({ type: 'postgres', url });
      await dataSource.initialize();
      return {
        store: new PostgresStore({ typeorm: dataSource, schema }),
        transact: typeOrmRunnerTransact(
          dataSource,
          `INSERT INTO ${orders(schema)} VALUES ($1)`,
        ),
        close: () => dataSource.destroy(),
      };
    },
  ],
  [
    'Drizzle on node-postgres, with the tx of db.transaction()',
    async (schema) => {
      const pool = new Pool({ connectionString: url });
      const db = drizzle({ client: pool });
      return {
        store: new PostgresStore({ drizzle: db, schema }),
        transact: (body) =>
          db.transaction((tx) =>
            body(tx, async (id) => {
              await tx.execute(
                drizzleSql`INSERT INTO ${drizzleSql.raw(orders(schema))} VALUES (${id})`,
              );
            }),
          ),
        close: () => pool.end(),
      };
    },
  ],
  [
    'Kysely, with the trx of db.transaction().execute()',
    async (schema) => {
      const db = new Kysely<Record<string, never>>({
        dialect: new PostgresDialect({
          pool: new Pool({ connectionString: url }),
        }),
      });
      return {
        store: new PostgresStore({ kysely: db, listenUrl: url, schema }),
        transact: (body) =>
          db.transaction().execute((trx) =>
            body(trx, async (id) => {
              await kyselySql`INSERT INTO ${kyselySql.raw(orders(schema))} VALUES (${id})`.execute(
                trx,
              );
            }),
          ),
        close: () => db.destroy(),
      };
    },
  ],
  [
    'Prisma 7 on @prisma/adapter-pg, with the tx of an interactive $transaction()',
    async (schema) => {
      const PrismaClient =
        prismaClientClass<new (options: { adapter: PrismaPg }) => PrismaLike>();
      const prisma = new PrismaClient({
        adapter: new PrismaPg({ connectionString: url }),
      });
      return {
        store: new PostgresStore({ prisma, listenUrl: url, schema }),
        transact: (body) =>
          prisma.$transaction((tx) =>
            body(tx, async (id) => {
              await tx.$executeRawUnsafe(
                `INSERT INTO ${orders(schema)} VALUES ($1)`,
                id,
              );
            }),
          ),
        close: () => prisma.$disconnect(),
      };
    },
  ],
  [
    'a connection string, with a pg client after BEGIN',
    async (schema) => {
      const pool = new Pool({ connectionString: url });
      return {
        store: new PostgresStore({ url, schema }),
        transact: connectionTransact(
          () => pool.connect(),
          `INSERT INTO ${orders(schema)} VALUES ($1)`,
        ),
        close: () => pool.end(),
      };
    },
  ],
];

interface PrismaLike {
  $transaction<T>(run: (tx: PrismaLike) => Promise<T>): Promise<T>;
  $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe(text: string, ...values: unknown[]): Promise<unknown>;
  $disconnect(): Promise<void>;
}

describePostgres(
  'PostgresStore on the app’s ORM, starting in its transaction',
  () => {
    let checker: Pool;
    beforeAll(() => {
      checker = new Pool({ connectionString: url, max: 2 });
    });
    afterAll(async () => {
      await checker.end();
      await dropTestSchemas();
    });

    /** Whether the order row is there, seen from outside any transaction. */
    const orderCommitted = async (schema: string, id: string) =>
      (
        await checker.query(`SELECT 1 FROM ${orders(schema)} WHERE id = $1`, [
          id,
        ])
      ).rowCount === 1;

    describe.each(adapters)('%s', (_name, open) => {
      let app: App;
      let schema: string;
      beforeAll(async () => {
        schema = testSchema();
        await checker.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await checker.query(
          `CREATE TABLE ${orders(schema)} (id text PRIMARY KEY)`,
        );
        app = await open(schema);
        await app.store.init();
      }, 120_000);
      afterAll(async () => {
        await app.store.close();
        await app.close();
      });

      transactionStartCases({
        store: () => app.store,
        transact: (body) => app.transact(body),
        orderCommitted: (id) => orderCommitted(schema, id),
        insertOrder: async (id) => {
          await checker.query(`INSERT INTO ${orders(schema)} VALUES ($1)`, [
            id,
          ]);
        },
        shares: 'connection',
        wakesOnCommit: true,
        carriesOnAfterRefusal: false,
      });
    });

    it("takes the transaction through LidexClient.start as the engine's start does", async () => {
      const schema = testSchema();
      const store = new PostgresStore({ url, schema });
      await store.init();
      const { engine } = makeEngine({ wf: async () => 'done' }, { store });
      const client = new LidexClient(engine);
      await startRolledBackThenCommitted(client, await checker.connect());
      expect(await client.wait('c-2', { timeoutMs: 20_000 })).toBe('finished');
      expect(await client.get('c-1')).toBeUndefined();
      await engine.stopWorker();
      await store.close();
    });

    describe('refusals', () => {
      it('refuses a transaction on a store that cannot join one, naming the store', async () => {
        const { engine, store } = makeEngine(
          { wf: async () => 1 },
          { worker: false },
        );
        const start = engine.start('w', 'wf', null, { transaction: {} });
        await expect(start).rejects.toThrow(InvalidArgumentError);
        await expect(start).rejects.toThrow(
          messages.transactionUnsupported(store.describe()),
        );
        expect(await engine.get('w')).toBeUndefined();
      });

      it('refuses a pg.Pool or anything else that is not a transaction in progress', async () => {
        const schema = testSchema();
        const store = new PostgresStore({ url, schema });
        await store.init();
        const { engine } = makeEngine(
          { wf: async () => 1 },
          { store, worker: false },
        );
        const pool = new Pool({ connectionString: url, max: 1 });
        try {
          for (const transaction of [pool, 'BEGIN', null]) {
            await expect(
              engine.start('w', 'wf', null, { transaction }),
            ).rejects.toThrow(InvalidArgumentError);
          }
          await expect(
            engine.start('w', 'wf', null, { transaction: pool }),
          ).rejects.toThrow(
            /must be a transaction in progress: a pg client after BEGIN/,
          );
          await expect(
            engine.start('w', 'wf', null, { transation: pool } as never),
          ).rejects.toThrow(/Did you mean "transaction"/);
          expect(await engine.get('w')).toBeUndefined();
        } finally {
          await pool.end();
          await store.close();
        }
      });

      it('asks for listenUrl (or listen: false) with Kysely and Prisma, which hand out no connection', () => {
        const db = new Kysely<Record<string, never>>({
          dialect: new PostgresDialect({
            pool: new Pool({ connectionString: url }),
          }),
        });
        expect(() => new PostgresStore({ kysely: db })).toThrow(/listenUrl/);
        expect(
          () => new PostgresStore({ kysely: db, listen: false }),
        ).not.toThrow();
        expect(() => new PostgresStore({ url, typeorm: {} as never })).toThrow(
          /exactly one of/,
        );
        return db.destroy();
      });
    });
  },
);
