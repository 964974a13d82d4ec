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
  sql,
  testSchema,
} from '../support/postgres';

/** A store on a pool of its own whose queries are counted, by statement name. */
async function countedStore() {
  const pool = new Pool({ connectionString: postgresUrl, max: 4 });
  const sent: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
    const config = args[0] as { name?: string } | string;
    sent.push(typeof config === 'string' ? config : (config.name ?? ''));
    return query(...args);
  };
  const schema = testSchema();
  const store = new PostgresStore({ pool, schema, listen: false });
  await store.init();
  return { store, pool, schema, sent };
}

const lease = (n: number) => ({
  token: `lease-${n}`,
  until: Date.now() + 60_000,
});
const workflow = (n: number, input = '"in"') => ({
  id: `w${n}`,
  name: 'flow',
  input,
  now: Date.now(),
});
const step = (id: string) => ({
  kind: 'step' as const,
  id,
  result: '1',
  recordedAt: Date.now(),
});
const next = () => ({
  readyAt: Date.now() + 60_000,
  now: Date.now(),
  release: false,
});

describePostgres(
  'PostgresStore: writes of one turn share one statement',
  () => {
    let opened: Awaited<ReturnType<typeof countedStore>>;

    beforeEach(async () => {
      opened = await countedStore();
    });

    afterEach(async () => {
      await opened.store.close();
      await opened.pool.end();
      await dropTestSchemas();
    });

    it('inserts, steps and finishes of 20 runs in one turn take one statement each, each answered, fenced and durable on its own', async () => {
      const { store, sent, schema } = opened;
      const runs = Array.from({ length: 20 }, (_, n) => n);
      sent.length = 0;
      const inserted = await Promise.all(
        runs.map((n) => store.insertWorkflow(workflow(n), lease(n))),
      );
      expect(inserted).toEqual(runs.map(() => true));
      expect(sent).toHaveLength(1);

      // Run 7 lost its lease: its step is refused, the other 19 are kept.
      sent.length = 0;
      const held = await Promise.all(
        runs.map((n) =>
          store.recordStep(
            `w${n}`,
            n === 7 ? 'stolen' : `lease-${n}`,
            step('a'),
            next(),
          ),
        ),
      );
      expect(held).toEqual(runs.map((n) => n !== 7));
      expect(sent).toHaveLength(1);
      // Committed before answering: another connection sees every kept step, and no other.
      const steps = await sql<{ workflow_id: string }>(
        `SELECT workflow_id FROM "${schema}".steps ORDER BY workflow_id`,
      );
      expect(steps.map((row) => row.workflow_id).sort()).toEqual(
        runs
          .filter((n) => n !== 7)
          .map((n) => `w${n}`)
          .sort(),
      );

      sent.length = 0;
      const finished = await Promise.all(
        runs.map((n) =>
          store.recordFinish(`w${n}`, n === 3 ? 'stolen' : `lease-${n}`, {
            result: `"r${n}"`,
            now: Date.now(),
          }),
        ),
      );
      expect(finished).toEqual(runs.map((n) => n !== 3));
      expect(sent).toHaveLength(1);
      expect((await store.getWorkflow('w3'))?.status).toBe('running');
      expect(await store.getWorkflow('w5')).toMatchObject({
        status: 'finished',
        result: '"r5"',
      });
    });

    it('answers false for a duplicate id only, and keeps two writes of one workflow in order', async () => {
      const { store } = opened;
      await store.insertWorkflow(workflow(1), lease(1));
      const inserted = await Promise.all([
        store.insertWorkflow(workflow(1), lease(9)),
        store.insertWorkflow({ ...workflow(2), version: 3 }),
        store.insertWorkflow(workflow(2)),
      ]);
      expect(inserted).toEqual([false, true, false]);
      expect((await store.getWorkflow('w2'))?.version).toBe(3);
      const held = await Promise.all([
        store.recordStep('w1', 'lease-1', step('a'), next()),
        store.recordStep('w1', 'lease-1', step('b'), next()),
      ]);
      expect(held).toEqual([true, true]);
      expect((await store.getWorkflow('w1'))?.steps.map((s) => s.id)).toEqual([
        'a',
        'b',
      ]);
    });

    it('fails only the write the server refuses: the others of its turn are kept', async () => {
      const { store } = opened;
      // PostgreSQL's text cannot hold a NUL character: that insert is refused.
      const [one, two, three] = await Promise.allSettled(
        [1, 2, 3].map((n) =>
          store.insertWorkflow(workflow(n, n === 2 ? '"\u0000"' : '"in"')),
        ),
      );
      expect(one).toEqual({ status: 'fulfilled', value: true });
      expect(two).toMatchObject({ status: 'rejected' });
      expect(String((two as PromiseRejectedResult).reason)).toMatch(/0x00/);
      expect(three).toEqual({ status: 'fulfilled', value: true });
      expect(await store.getWorkflow('w1')).toBeDefined();
      expect(await store.getWorkflow('w2')).toBeUndefined();
      expect(await store.getWorkflow('w3')).toBeDefined();
    });

    it('answers true, in a batch too, to a release or finish repeated after its answer was lost', async () => {
      const { store } = opened;
      await Promise.all(
        [1, 2, 3, 4].map((n) => store.insertWorkflow(workflow(n), lease(n))),
      );
      const release = { ...next(), release: true };
      const writes = () =>
        Promise.all([
          store.recordStep('w1', 'lease-1', step('s'), release),
          store.recordStep('w2', 'lease-2', step('s'), release),
          store.recordFinish('w3', 'lease-3', { result: '1', now: Date.now() }),
          store.recordFinish('w4', 'lease-4', { result: '1', now: Date.now() }),
        ]);
      expect(await writes()).toEqual([true, true, true, true]);
      // The same writes again, as a worker repeats a write whose answer it never got.
      expect(await writes()).toEqual([true, true, true, true]);
      // But not under another lease.
      expect(
        await Promise.all([
          store.recordStep('w1', 'lease-9', step('s'), release),
          store.recordStep('w2', 'lease-9', step('s'), release),
          store.recordFinish('w3', 'lease-9', { result: '1', now: Date.now() }),
          store.recordFinish('w4', 'lease-9', { result: '1', now: Date.now() }),
        ]),
      ).toEqual([false, false, false, false]);
    });

    it('sends the writes of its last turn before it closes', async () => {
      const { store, schema } = opened;
      const insert = store.insertWorkflow(workflow(1), lease(1));
      await store.close();
      await expect(insert).resolves.toBe(true);
      expect(await sql(`SELECT id FROM "${schema}".workflows`)).toEqual([
        { id: 'w1' },
      ]);
    });

    it('sends a write alone at once, as its single-row statement', async () => {
      const { store, sent, schema } = opened;
      sent.length = 0;
      expect(await store.insertWorkflow(workflow(1), lease(1))).toBe(true);
      expect(sent).toEqual([`lidex_${schema}_insert_leased`]);
    });
  },
);

/** The batch statements' arrays through the ORMs' own query APIs, which bind them themselves. */
describePostgres(
  'PostgresStore: batched writes through Kysely and Prisma',
  () => {
    const runs = Array.from({ length: 10 }, (_, n) => n);

    async function batchesThrough(options: Partial<PostgresStoreOptions>) {
      const store = new PostgresStore({
        ...options,
        schema: testSchema(),
        listen: false,
      });
      await store.init();
      try {
        expect(
          await Promise.all(
            runs.map((n) =>
              store.insertWorkflow(workflow(n), n % 2 ? lease(n) : undefined),
            ),
          ),
        ).toEqual(runs.map(() => true));
        const claimed = await store.claimReady(
          Date.now(),
          runs.filter((n) => n % 2 === 0).map((n) => lease(n)),
        );
        expect(claimed).toHaveLength(5);
        expect(
          await Promise.all(
            runs.map((n) =>
              store.recordStep(
                `w${n}`,
                n === 4 ? 'stolen' : `lease-${n}`,
                step('a'),
                next(),
              ),
            ),
          ),
        ).toEqual(runs.map((n) => n !== 4));
        expect(
          await Promise.all(
            runs.map((n) =>
              store.recordFinish(`w${n}`, `lease-${n}`, {
                result: '7',
                now: Date.now() + 0.5,
              }),
            ),
          ),
        ).toEqual(runs.map(() => true));
        expect(await store.getWorkflow('w4')).toMatchObject({
          status: 'finished',
          steps: [],
        });
        expect((await store.getWorkflow('w5'))?.steps).toHaveLength(1);
      } finally {
        await store.close();
        await dropTestSchemas();
      }
    }

    it('through Kysely', async () => {
      const db = new Kysely<Record<string, never>>({
        dialect: new PostgresDialect({
          pool: new Pool({ connectionString: postgresUrl, max: 4 }),
        }),
      });
      try {
        await batchesThrough({ kysely: db });
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
        adapter: new PrismaPg({ connectionString: postgresUrl!, max: 4 }),
      });
      try {
        await batchesThrough({ prisma });
      } finally {
        await prisma.$disconnect();
      }
    }, 60_000);
  },
);
