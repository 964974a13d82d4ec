import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import {
  createPool as createMariadbPool,
  type Pool as MariadbPool,
} from 'mariadb';
import { createPool, type Pool } from 'mysql2/promise';
import {
  InvalidArgumentError,
  InvalidOptionsError,
  type WorkflowContext,
} from '@lidex/nestjs';
import { MysqlStore, type MysqlStoreOptions } from '@lidex/nestjs/mysql';
import {
  operationsContract,
  persistenceContract,
  signalsContract,
  type StoreFactory,
} from '@lidex/nestjs/testing';
import { makeEngine } from '../support/engine-harness';
import { transactionStartCases } from '../support/transaction-start-cases';
import { prismaClientClass } from '../support/prisma-client';
import {
  describeMysql,
  dropTestTables,
  mysqlUrl,
  prefixedMysqlFactory,
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

/** What the tests use of the generated PrismaClient. */
interface PrismaLike {
  $transaction<T>(run: (tx: PrismaLike) => Promise<T>): Promise<T>;
  $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe(text: string, ...values: unknown[]): Promise<unknown>;
  $disconnect(): Promise<void>;
}

/** Prisma 7 on MariaDB/MySQL: a `mariadb` pool, and a PrismaClient whose adapter runs on it. */
function openPrisma(connectionLimit = 4): {
  pool: MariadbPool;
  prisma: PrismaLike & NonNullable<MysqlStoreOptions['prisma']>;
} {
  const pool = createMariadbPool({
    ...mariadbConfig(url),
    connectionLimit,
  });
  const PrismaClient =
    prismaClientClass<
      new (options: {
        adapter: PrismaMariaDb;
      }) => PrismaLike & NonNullable<MysqlStoreOptions['prisma']>
    >('mysql');
  return {
    pool,
    prisma: new PrismaClient({ adapter: new PrismaMariaDb(pool) }),
  };
}

/** The test server's URL as the `mariadb` driver's settings. */
function mariadbConfig(from: string) {
  const parsed = new URL(from);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password) || undefined,
    database: parsed.pathname.slice(1),
  };
}

describeMysql('MysqlStore on Prisma (@prisma/adapter-mariadb)', () => {
  let checker: Pool;
  let pool: MariadbPool;
  let prisma: ReturnType<typeof openPrisma>['prisma'];
  beforeAll(() => {
    checker = createPool({ uri: url, connectionLimit: 2 });
    ({ pool, prisma } = openPrisma());
  }, 120_000);
  afterAll(async () => {
    await prisma.$disconnect();
    await pool.end();
    await checker.end();
    await dropTestTables();
  });

  describe('starting in the tx of an interactive prisma.$transaction()', () => {
    let store: MysqlStore;
    let prefix: string;
    beforeAll(async () => {
      prefix = testPrefix();
      await createOrders(checker, prefix);
      store = new MysqlStore({
        prisma,
        mariadbPool: pool,
        tablePrefix: prefix,
      });
      await store.init();
    }, 120_000);
    afterAll(async () => {
      await store?.close();
      await dropOrders(checker, prefix);
    });

    /** The app's transaction: its order row and what `body` does, rolled back if `body` throws. */
    const transact = (
      body: (
        tx: PrismaLike,
        insertOrder: (id: string) => Promise<void>,
      ) => Promise<void>,
    ) =>
      prisma.$transaction((tx) =>
        body(tx, async (id) => {
          await tx.$executeRawUnsafe(
            `INSERT INTO ${ordersTable(prefix)} VALUES (?)`,
            id,
          );
        }),
      );

    const fulfil = transactionStartCases({
      store: () => store,
      transact: (body) => transact(body),
      orderCommitted: (id) => orderCommitted(checker, prefix, id),
      insertOrder: async (id) => {
        await insertOrder(checker, prefix, id);
      },
      shares: 'pool',
      wakesOnCommit: false,
      shipped: 'shipped 🚀',
      carriesOnAfterRefusal: true,
    });

    it('refuses the PrismaClient itself as a transaction, naming the tx of $transaction()', async () => {
      const { engine } = makeEngine(fulfil, { store, worker: false });
      const start = engine.start('fulfil-o-5', 'fulfil', null, {
        transaction: prisma,
      });
      await expect(start).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(start).rejects.toThrow(
        /Prisma's tx of an interactive \$transaction\(\)/,
      );
      expect(await engine.get('fulfil-o-5')).toBeUndefined();
    });
  });

  it('sends a start, each of the first two steps and the finish with the last as one statement each on the pool (4 for three steps)', async () => {
    const sent: string[] = [];
    // The store's view of the app's pool, writing down each statement; Prisma uses the pool itself.
    const counted = {
      query: (options: { sql: string }, values?: unknown[]) => {
        sent.push(options.sql.trim().split(/\s+/).slice(0, 2).join(' '));
        return pool.query(options, values);
      },
      getConnection: () => pool.getConnection(),
      batch: pool.batch.bind(pool),
      totalConnections: () => pool.totalConnections(),
    };
    const store = new MysqlStore({
      prisma,
      mariadbPool: counted,
      tablePrefix: testPrefix(),
    });
    await store.init();
    try {
      const { engine } = makeEngine(
        {
          three: async (ctx: WorkflowContext) => {
            for (const id of ['a', 'b', 'c'])
              await ctx.step(id, async () => id);
            return 'done';
          },
        },
        { store, pollIntervalMs: 600_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the worker's first claim
      sent.length = 0;
      expect(await engine.start('w-1', 'three', null)).toBe(true);
      expect(await engine.wait('w-1', { timeoutMs: 20_000 })).toBe('finished');
      await engine.stopWorker();
      const writes = sent.filter((sql) => /^(CALL|INSERT)\b/.test(sql));
      // The start, the first two steps and the finish with the last (finishTakesStep): one
      // statement each, and no more (5 before schema 15: the last step had a call of its own).
      expect(writes).toEqual([
        expect.stringMatching(/^(CALL|INSERT)\b/),
        expect.stringMatching(/^CALL `t[0-9a-f]+_step`/),
        expect.stringMatching(/^CALL `t[0-9a-f]+_step`/),
        expect.stringMatching(/^CALL `t[0-9a-f]+_finish_step`/),
      ]);
    } finally {
      await store.close();
    }
  });

  describe('refusals', () => {
    it('asks for the mariadb pool the PrismaClient runs on, which Prisma does not hand out', () => {
      expect(() => new MysqlStore({ prisma })).toThrow(InvalidOptionsError);
      expect(() => new MysqlStore({ prisma })).toThrow(/mariadbPool/);
      expect(() => new MysqlStore({ prisma })).toThrow(
        /new PrismaMariaDb\(pool\)/,
      );
      expect(() => new MysqlStore({ mariadbPool: pool })).toThrow(/prisma/);
      expect(
        () => new MysqlStore({ prisma, mariadbPool: checker as never }),
      ).toThrow(/a pool of the "mariadb" driver/);
      expect(
        () => new MysqlStore({ prisma: {} as never, mariadbPool: pool }),
      ).toThrow(/a PrismaClient/);
    });

    it('refuses a PrismaClient and a pool that reach different databases', async () => {
      await checker.query('CREATE DATABASE IF NOT EXISTS lidex_prisma_other');
      const other = createMariadbPool({
        ...mariadbConfig(url),
        database: 'lidex_prisma_other',
        connectionLimit: 1,
      });
      try {
        const store = new MysqlStore({
          prisma,
          mariadbPool: other,
          tablePrefix: testPrefix(),
        });
        const opening = store.init();
        await expect(opening).rejects.toBeInstanceOf(InvalidOptionsError);
        await expect(opening).rejects.toThrow(
          /the pool its PrismaMariaDb adapter was given/,
        );
      } finally {
        await other.end();
        await checker.query('DROP DATABASE IF EXISTS lidex_prisma_other');
      }
    });
  });
});

/**
 * The shipped contract suites, unchanged, on the store opened from a PrismaClient: its own
 * statements on the app's mariadb pool (the driver answers BIGINTs as BigInt, a CALL's result
 * sets as arrays), as the PostgreSQL Prisma store runs them.
 */
describeMysql('MysqlStore through Prisma: the contract suites', () => {
  let opened: ReturnType<typeof openPrisma> | undefined;
  const source = () => (opened ??= openPrisma());
  afterAll(async () => {
    await opened?.prisma.$disconnect();
    await opened?.pool.end();
  });
  const factory = (): StoreFactory =>
    prefixedMysqlFactory(
      'mysql (prisma)',
      (tablePrefix) => {
        const { prisma, pool } = source();
        return new MysqlStore({ prisma, mariadbPool: pool, tablePrefix });
      },
      url,
    );
  persistenceContract(factory());
  signalsContract(factory());
  operationsContract(factory());
});
