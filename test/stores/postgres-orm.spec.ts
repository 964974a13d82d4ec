import { PrismaPg } from '@prisma/adapter-pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { sql as drizzleSql } from 'drizzle-orm';
import { Kysely, PostgresDialect, sql as kyselySql } from 'kysely';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  InvalidArgumentError,
  LidexClient,
  type WorkflowContext,
} from '@lidex/nestjs';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { messages } from '../../lib/lidex.messages';
import { makeEngine } from '../support/engine-harness';
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
  /**
   * Runs `body` in the app's transaction with what `start()` takes as `transaction`, and with a
   * way to insert the app's order row in it; rolls back if `body` throws.
   */
  transact(
    body: (
      transaction: unknown,
      insertOrder: (id: string) => Promise<void>,
    ) => Promise<void>,
  ): Promise<void>;
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
        transact: (body) =>
          dataSource.transaction((manager) =>
            body(manager, async (id) => {
              await manager.query(`INSERT INTO ${orders(schema)} VALUES ($1)`, [
                id,
              ]);
            }),
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
        async transact(body) {
          const runner = dataSource.createQueryRunner();
          await runner.startTransaction();
          try {
            await body(runner, async (id) => {
              await runner.query(`INSERT INTO ${orders(schema)} VALUES ($1)`, [
                id,
              ]);
            });
            await runner.commitTransaction();
          } catch (error) {
            await runner.rollbackTransaction();
            throw error;
          } finally {
            await runner.release();
          }
        },
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
        async transact(body) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await body(client, async (id) => {
              await client.query(`INSERT INTO ${orders(schema)} VALUES ($1)`, [
                id,
              ]);
            });
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          } finally {
            client.release();
          }
        },
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

      const fulfil = {
        // Its first step says whether the order row was committed when the run began.
        fulfil: async (ctx: WorkflowContext, input: unknown) => {
          const { orderId } = input as { orderId: string };
          const orderSeen = await ctx.step('order seen', () =>
            orderCommitted(schema, orderId),
          );
          await ctx.step('ship', async () => 'shipped');
          return { orderSeen };
        },
      };

      it('leaves neither the order nor its workflow when the transaction rolls back, and runs both once it commits', async () => {
        // A poll would come in ten minutes: a committed start must be claimed on its notification.
        const { engine } = makeEngine(fulfil, {
          store: app.store,
          pollIntervalMs: 600_000,
        });
        await new Promise((resolve) => setTimeout(resolve, 100)); // the worker is idle
        const rolledBack = app.transact(async (transaction, insertOrder) => {
          await insertOrder('o-1');
          expect(
            await engine.start(
              'fulfil-o-1',
              'fulfil',
              { orderId: 'o-1' },
              {
                transaction,
              },
            ),
          ).toBe(true);
          throw new Error('payment declined');
        });
        await expect(rolledBack).rejects.toThrow('payment declined');
        expect(await orderCommitted(schema, 'o-1')).toBe(false);
        expect(await engine.get('fulfil-o-1')).toBeUndefined();

        const started = Date.now();
        await app.transact(async (transaction, insertOrder) => {
          await insertOrder('o-2');
          expect(
            await engine.start(
              'fulfil-o-2',
              'fulfil',
              { orderId: 'o-2' },
              {
                transaction,
              },
            ),
          ).toBe(true);
          // Not visible, and so not run, before the commit.
          expect(await engine.get('fulfil-o-2')).toBeUndefined();
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        const info = await engine.wait('fulfil-o-2', { timeoutMs: 20_000 });
        expect(info).toBe('finished');
        expect(Date.now() - started).toBeLessThan(10_000);
        const done = await engine.get('fulfil-o-2');
        expect(done?.result).toEqual({ orderSeen: true });
        expect(done?.attempts).toBe(1);
        expect(await orderCommitted(schema, 'o-2')).toBe(true);
        // Order and workflow agree: the rolled-back pair is still absent.
        expect(await orderCommitted(schema, 'o-1')).toBe(false);
        expect(await engine.get('fulfil-o-1')).toBeUndefined();
        expect((await engine.counts()).finished).toBe(1);
      });

      it('runs workflows started without a transaction on the same connection', async () => {
        const { engine } = makeEngine(fulfil, { store: app.store });
        await checker.query(`INSERT INTO ${orders(schema)} VALUES ('o-3')`);
        expect(
          await engine.start('fulfil-o-3', 'fulfil', { orderId: 'o-3' }),
        ).toBe(true);
        expect(
          await engine.start('fulfil-o-3', 'fulfil', { orderId: 'o-3' }),
        ).toBe(false);
        expect(await engine.wait('fulfil-o-3', { timeoutMs: 20_000 })).toBe(
          'finished',
        );
      });

      it('answers false, inserting nothing, for an id that exists, inside the transaction too', async () => {
        const { engine } = makeEngine(fulfil, { store: app.store });
        await app.transact(async (transaction) => {
          expect(
            await engine.start(
              'fulfil-o-3',
              'fulfil',
              { orderId: 'x' },
              { transaction },
            ),
          ).toBe(false);
        });
        expect((await engine.get('fulfil-o-3'))?.input).toEqual({
          orderId: 'o-3',
        });
      });
    });

    it("takes the transaction through LidexClient.start as the engine's start does", async () => {
      const schema = testSchema();
      const store = new PostgresStore({ url, schema });
      await store.init();
      const { engine } = makeEngine({ wf: async () => 'done' }, { store });
      const client = new LidexClient(engine);
      const connection = await checker.connect();
      try {
        await connection.query('BEGIN');
        expect(
          await client.start('c-1', 'wf', null, { transaction: connection }),
        ).toBe(true);
        await connection.query('ROLLBACK');
        await connection.query('BEGIN');
        expect(
          await client.start('c-2', 'wf', null, { transaction: connection }),
        ).toBe(true);
        await connection.query('COMMIT');
      } finally {
        connection.release();
      }
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
