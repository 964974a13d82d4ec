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
} from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
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
import {
  describeMysql,
  dropTestTables,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';
import {
  createOrders,
  dropOrders,
  insertOrder,
  orderCommitted,
  ordersTable,
} from '../support/mysql-orders';

const url = mysqlUrl!;

/** One way an app reaches MySQL: the store built on it, and a transaction of its own. */
interface App {
  store: MysqlStore;
  /** The app's own transaction (see `Transact`). */
  transact: Transact;
  close(): Promise<void>;
}

type Adapter = [name: string, open: (prefix: string) => Promise<App>];

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
        transact: typeOrmManagerTransact(
          dataSource,
          `INSERT INTO ${ordersTable(prefix)} VALUES (?)`,
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
        transact: typeOrmRunnerTransact(
          dataSource,
          `INSERT INTO ${ordersTable(prefix)} VALUES (?)`,
        ),
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
                drizzleSql`INSERT INTO ${drizzleSql.raw(ordersTable(prefix))} VALUES (${id})`,
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
              await kyselySql`INSERT INTO ${kyselySql.raw(ordersTable(prefix))} VALUES (${id})`.execute(
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
                `INSERT INTO ${ordersTable(prefix)} VALUES (?)`,
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
        transact: connectionTransact(
          () => pool.getConnection(),
          `INSERT INTO ${ordersTable(prefix)} VALUES (?)`,
        ),
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

    describe.each(adapters)('%s', (_name, open) => {
      let app: App;
      let prefix: string;

      beforeAll(async () => {
        prefix = testPrefix();
        await createOrders(checker, prefix);
        app = await open(prefix);
        await app.store.init();
      }, 120_000);

      afterAll(async () => {
        await app.store.close();
        await app.close();
        await dropOrders(checker, prefix);
      });

      transactionStartCases({
        store: () => app.store,
        transact: (body) => app.transact(body),
        orderCommitted: (id) => orderCommitted(checker, prefix, id),
        insertOrder: async (id) => {
          await insertOrder(checker, prefix, id);
        },
        shares: 'connection',
        wakesOnCommit: false,
        shipped: 'shipped 🚀',
        carriesOnAfterRefusal: true,
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
      await startRolledBackThenCommitted(client, await checker.getConnection());
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
