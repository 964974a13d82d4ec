import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import { Kysely, MysqlDialect, sql as kyselySql } from 'kysely';
import { createPool, type Pool } from 'mysql2/promise';
import { createPool as createCallbackPool } from 'mysql2';
import { QueryTypes, Sequelize } from 'sequelize';
import { DataSource } from 'typeorm';
import {
  InvalidArgumentError,
  InvalidOptionsError,
  LidexClient,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { makeEngine } from '../support/engine-harness';
import {
  describeMysql,
  dropTestTables,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';

const url = mysqlUrl!;

/** One way an app reaches MySQL: the store built on it, and a transaction of its own. */
interface App {
  store: MysqlStore;
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

type Adapter = [name: string, open: (prefix: string) => Promise<App>];

const orders = (prefix: string) => `\`${prefix}orders\``;

const typeOrm = async () => {
  const dataSource = new DataSource({ type: 'mysql', url, charset: 'utf8mb4' });
  await dataSource.initialize();
  return dataSource;
};

const adapters: Adapter[] = [
  [
    "TypeORM's DataSource, with the EntityManager of dataSource.transaction()",
    async (prefix) => {
      const dataSource = await typeOrm();
      return {
        store: new MysqlStore({ typeorm: dataSource, tablePrefix: prefix }),
        transact: (body) =>
          dataSource.transaction((manager) =>
            body(manager, async (id) => {
              await manager.query(`INSERT INTO ${orders(prefix)} VALUES (?)`, [
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
    async (prefix) => {
      const dataSource = await typeOrm();
      return {
        store: new MysqlStore({ typeorm: dataSource, tablePrefix: prefix }),
        async transact(body) {
          const runner = dataSource.createQueryRunner();
          await runner.startTransaction();
          try {
            await body(runner, async (id) => {
              await runner.query(`INSERT INTO ${orders(prefix)} VALUES (?)`, [
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
    'Drizzle on mysql2, with the tx of db.transaction()',
    async (prefix) => {
      const pool = createPool({ uri: url });
      const db = drizzle({ client: pool });
      return {
        store: new MysqlStore({ drizzle: db, tablePrefix: prefix }),
        transact: (body) =>
          db.transaction((tx) =>
            body(tx, async (id) => {
              await tx.execute(
                drizzleSql`INSERT INTO ${drizzleSql.raw(orders(prefix))} VALUES (${id})`,
              );
            }),
          ),
        close: () => pool.end(),
      };
    },
  ],
  [
    'Kysely, with the trx of db.transaction().execute()',
    async (prefix) => {
      const db = new Kysely<Record<string, never>>({
        dialect: new MysqlDialect({ pool: createCallbackPool({ uri: url }) }),
      });
      return {
        store: new MysqlStore({ kysely: db, tablePrefix: prefix }),
        transact: (body) =>
          db.transaction().execute((trx) =>
            body(trx, async (id) => {
              await kyselySql`INSERT INTO ${kyselySql.raw(orders(prefix))} VALUES (${id})`.execute(
                trx,
              );
            }),
          ),
        close: () => db.destroy(),
      };
    },
  ],
  [
    'Sequelize (mysql dialect), with the transaction of sequelize.transaction()',
    async (prefix) => {
      const sequelize = new Sequelize(url, {
        dialect: 'mysql',
        logging: false,
      });
      return {
        store: new MysqlStore({ sequelize, tablePrefix: prefix }),
        transact: (body) =>
          sequelize.transaction((transaction) =>
            body(transaction, async (id) => {
              await sequelize.query(
                `INSERT INTO ${orders(prefix)} VALUES (?)`,
                {
                  replacements: [id],
                  transaction,
                  type: QueryTypes.INSERT,
                },
              );
            }),
          ),
        close: () => sequelize.close(),
      };
    },
  ],
  [
    'a mysql2 pool, with one of its connections after BEGIN',
    async (prefix) => {
      const pool = createPool({ uri: url });
      return {
        store: new MysqlStore({ pool, tablePrefix: prefix }),
        async transact(body) {
          const connection = await pool.getConnection();
          try {
            await connection.query('BEGIN');
            await body(connection, async (id) => {
              await connection.query(
                `INSERT INTO ${orders(prefix)} VALUES (?)`,
                [id],
              );
            });
            await connection.query('COMMIT');
          } catch (error) {
            await connection.query('ROLLBACK');
            throw error;
          } finally {
            connection.release();
          }
        },
        close: () => pool.end(),
      };
    },
  ],
];

describeMysql(
  'MysqlStore on the app’s ORM, starting in its transaction',
  () => {
    let checker: Pool;
    beforeAll(() => {
      checker = createPool({ uri: url, connectionLimit: 2 });
    });
    afterAll(async () => {
      await checker.end();
      await dropTestTables();
    });

    /** Whether the order row is there, seen from outside any transaction. */
    const orderCommitted = async (prefix: string, id: string) => {
      const [rows] = await checker.query(
        `SELECT 1 FROM ${orders(prefix)} WHERE id = ?`,
        [id],
      );
      return (rows as unknown[]).length === 1;
    };

    describe.each(adapters)('%s', (_name, open) => {
      let app: App;
      let prefix: string;

      beforeAll(async () => {
        prefix = testPrefix();
        await checker.query(
          `CREATE TABLE ${orders(prefix)} (id VARCHAR(64) PRIMARY KEY)`,
        );
        app = await open(prefix);
        await app.store.init();
      }, 120_000);

      afterAll(async () => {
        await app.store.close();
        await app.close();
        await checker.query(`DROP TABLE IF EXISTS ${orders(prefix)}`);
      });

      const fulfil = {
        // Its first step says whether the order row was committed when the run began.
        fulfil: async (ctx: WorkflowContext, input: unknown) => {
          const { orderId } = input as { orderId: string };
          const orderSeen = await ctx.step('order seen', () =>
            orderCommitted(prefix, orderId),
          );
          await ctx.step('ship', async () => 'shipped 🚀');
          return { orderSeen };
        },
      };

      it('leaves neither the order nor its workflow when the transaction rolls back, and runs both once it commits', async () => {
        const { engine } = makeEngine(fulfil, {
          store: app.store,
          pollIntervalMs: 200,
        });
        const rolledBack = app.transact(async (transaction, insertOrder) => {
          await insertOrder('o-1');
          expect(
            await engine.start(
              'fulfil-o-1',
              'fulfil',
              { orderId: 'o-1' },
              { transaction },
            ),
          ).toBe(true);
          throw new Error('payment declined');
        });
        await expect(rolledBack).rejects.toThrow('payment declined');
        expect(await orderCommitted(prefix, 'o-1')).toBe(false);
        expect(await engine.get('fulfil-o-1')).toBeUndefined();

        await app.transact(async (transaction, insertOrder) => {
          await insertOrder('o-2');
          expect(
            await engine.start(
              'fulfil-o-2',
              'fulfil',
              { orderId: 'o-2' },
              { transaction },
            ),
          ).toBe(true);
          // Not visible, and so not run, before the commit.
          expect(await engine.get('fulfil-o-2')).toBeUndefined();
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        expect(await engine.wait('fulfil-o-2', { timeoutMs: 20_000 })).toBe(
          'finished',
        );
        const done = await engine.get('fulfil-o-2');
        expect(done?.result).toEqual({ orderSeen: true });
        expect(done?.steps.map((step) => step.result)).toEqual([
          true,
          'shipped 🚀',
        ]);
        expect(done?.attempts).toBe(1);
        expect(await orderCommitted(prefix, 'o-2')).toBe(true);
        // Order and workflow agree: the rolled-back pair is still absent.
        expect(await orderCommitted(prefix, 'o-1')).toBe(false);
        expect(await engine.get('fulfil-o-1')).toBeUndefined();
        expect((await engine.counts()).finished).toBe(1);
      });

      it('runs workflows started without a transaction on the same connection', async () => {
        const { engine } = makeEngine(fulfil, { store: app.store });
        await checker.query(`INSERT INTO ${orders(prefix)} VALUES ('o-3')`);
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
        await app.transact(async (transaction, insertOrder) => {
          expect(
            await engine.start(
              'fulfil-o-3',
              'fulfil',
              { orderId: 'x' },
              { transaction },
            ),
          ).toBe(false);
          // The app's transaction carries on: its own row still commits.
          await insertOrder('o-4');
        });
        expect(await orderCommitted(prefix, 'o-4')).toBe(true);
        expect((await engine.get('fulfil-o-3'))?.input).toEqual({
          orderId: 'o-3',
        });
      });
    });

    it("takes the transaction through LidexClient.start as the engine's start does, and refuses what is not one", async () => {
      const store = new MysqlStore({ url, tablePrefix: testPrefix() });
      await store.init();
      const { engine } = makeEngine(
        { wf: async () => 'done' },
        { store, pollIntervalMs: 100 },
      );
      const client = new LidexClient(engine);
      const connection = await checker.getConnection();
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
      expect(await engine.wait('c-2', { timeoutMs: 20_000 })).toBe('finished');
      expect(await engine.get('c-1')).toBeUndefined();
      await expect(
        client.start('c-3', 'wf', null, { transaction: 'not one' }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
      await engine.stopWorker();
      await store.close();
    });

    it('refuses a pool whose connections are not utf8mb4, naming the fix', async () => {
      const pool = createPool({ uri: url, charset: 'UTF8_GENERAL_CI' });
      try {
        const store = new MysqlStore({ pool, tablePrefix: testPrefix() });
        const opening = store.init();
        await expect(opening).rejects.toBeInstanceOf(InvalidOptionsError);
        await expect(opening).rejects.toThrow("charset: 'utf8mb4'");
      } finally {
        await pool.end();
      }
    });
  },
);
