import { PrismaPg } from '@prisma/adapter-pg';
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import {
  PostgresStore,
  type PostgresStoreOptions,
} from '@lidex/nestjs/postgres';
import { eventually } from '../support/eventually';
import { prismaClientClass } from '../support/prisma-client';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

const url = postgresUrl!;
/** A database whose transactions are serializable (a team may set it): conflicts abort with 40001. */
const serializable = '-c default_transaction_isolation=serializable';

/**
 * A real serialization failure: another transaction holds the workflow's row, the store's step
 * waits for it, then that transaction commits a change to the row, so PostgreSQL aborts the
 * store's statement (SQLSTATE 40001). The store retries it: the caller sees its step kept.
 */
async function stepThroughConflict(
  source: Partial<PostgresStoreOptions>,
): Promise<void> {
  const schema = testSchema();
  const store = new PostgresStore({ ...source, schema, listen: false });
  await store.init();
  const other = new Client({ connectionString: url });
  await other.connect();
  try {
    const now = Date.now();
    await store.insertWorkflow(
      { id: 'w', name: 'flow', input: '1', now },
      { token: 't', until: now + 60_000 },
    );
    await other.query('BEGIN');
    await other.query(
      `UPDATE "${schema}".workflows SET updated_at = updated_at + 1 WHERE id = 'w'`,
    );
    const recording = store.recordStep(
      'w',
      't',
      { kind: 'step', id: 'a', result: '1', recordedAt: now },
      { readyAt: now + 60_000, now, release: false },
    );
    const failed = recording.then(
      () => undefined,
      (error: unknown) => error,
    );
    await eventually(
      async () =>
        (
          await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE $1`,
            [`%"${schema}".steps%`],
          )
        )[0].n > 0,
      10_000,
      "the store's step waiting for the row",
    );
    await other.query('COMMIT');
    expect(await failed).toBeUndefined();
    await expect(recording).resolves.toBe(true);
    expect((await store.getWorkflow('w'))?.steps.map((s) => s.id)).toEqual([
      'a',
    ]);
  } finally {
    await other.end();
    await store.close();
  }
}

describePostgres('PostgresStore retries serialization failures', () => {
  afterAll(() => dropTestSchemas());

  it('on its own pool', async () => {
    const pool = new Pool({ connectionString: url, options: serializable });
    try {
      await stepThroughConflict({ pool });
    } finally {
      await pool.end();
    }
  });

  it('through Kysely', async () => {
    const db = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({
        pool: new Pool({ connectionString: url, options: serializable }),
      }),
    });
    try {
      await stepThroughConflict({ kysely: db });
    } finally {
      await db.destroy();
    }
  });

  it('through Prisma', async () => {
    const PrismaClient = prismaClientClass<
      new (options: { adapter: PrismaPg }) => NonNullable<
        PostgresStoreOptions['prisma']
      > & {
        $disconnect(): Promise<void>;
      }
    >();
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, options: serializable }),
    });
    try {
      await stepThroughConflict({ prisma });
    } finally {
      await prisma.$disconnect();
    }
  }, 60_000);
});
