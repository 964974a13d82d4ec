import { PrismaPg } from '@prisma/adapter-pg';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import {
  PostgresStore,
  type PostgresStoreOptions,
} from '@lidex/nestjs/postgres';
import { prismaClientClass } from '../support/prisma-client';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  testSchema,
} from '../support/postgres';
import {
  operationsContract,
  persistenceContract,
  type StoreFactory,
  signalsContract,
} from '@lidex/nestjs/testing';

const url = postgresUrl!;

/**
 * Kysely and Prisma hand out no pg.Pool: the store's statements run through their own query
 * APIs, which read bigints, counts and JSON in their own ways. The shipped contract suites run
 * unchanged on both. (TypeORM and Drizzle hand over their pg.Pool, which the `pool` option's
 * suites already cover; postgres-orm.spec.ts runs workflows on each.)
 */
function ormFactory(
  label: string,
  source: () => Partial<PostgresStoreOptions>,
): StoreFactory {
  let schema = '';
  const open = async () => {
    const store = new PostgresStore({ ...source(), listenUrl: url, schema });
    await store.init();
    return store;
  };
  return {
    label,
    durable: true,
    create: () => {
      schema = testSchema();
      return open();
    },
    reopen: open,
    cleanup: () => dropTestSchemas(url),
  };
}

interface PrismaLike {
  $disconnect(): Promise<void>;
}

describePostgres('PostgresStore through Kysely', () => {
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({
      pool: new Pool({ connectionString: url, max: 4 }),
    }),
  });
  afterAll(() => db.destroy());
  persistenceContract(ormFactory('postgres (kysely)', () => ({ kysely: db })));
  signalsContract(ormFactory('postgres (kysely)', () => ({ kysely: db })));
  operationsContract(ormFactory('postgres (kysely)', () => ({ kysely: db })));
});

describePostgres('PostgresStore through Prisma', () => {
  let prisma: PrismaLike & PostgresStoreOptions['prisma'];
  beforeAll(() => {
    const PrismaClient =
      prismaClientClass<
        new (options: { adapter: PrismaPg }) => typeof prisma
      >();
    prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: 4 }),
    });
  }, 120_000);
  afterAll(() => prisma.$disconnect());
  persistenceContract(ormFactory('postgres (prisma)', () => ({ prisma })));
  signalsContract(ormFactory('postgres (prisma)', () => ({ prisma })));
  operationsContract(ormFactory('postgres (prisma)', () => ({ prisma })));
});
