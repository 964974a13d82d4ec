import { Pool } from 'pg';
import {
  InvalidOptionsError,
  StoreUnavailableError,
  UnknownOptionError,
} from '@lidex/nestjs';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { messages } from '../../lib/lidex.messages';
import { SCHEMA_VERSION } from '../../lib/stores/postgres/postgres.schema';
import { postgresStatements } from '../../lib/stores/postgres/postgres.statements';
import { claimNext } from '../support/claim-next';
import {
  describePostgres,
  dropTestSchemas,
  postgresStoreFactory,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';
import {
  expectOneSchemaForInstancesStartedTogether,
  expectQuickOpenFailure,
} from '../support/sql-store-cases';
import {
  clockContract,
  operationsContract,
  persistenceContract,
  schedulesContract,
  signalsContract,
  retentionContract,
  compensationContract,
} from '@lidex/nestjs/testing';

describePostgres('PostgreSQL', () => {
  persistenceContract(postgresStoreFactory());
  signalsContract(postgresStoreFactory());
  operationsContract(postgresStoreFactory());
  schedulesContract(postgresStoreFactory());
  retentionContract(postgresStoreFactory());
  compensationContract(postgresStoreFactory());
  clockContract(postgresStoreFactory(), 'server-clock');
});

const url = postgresUrl!;
const T0 = 1_700_000_000_000;

describePostgres('PostgresStore', () => {
  afterAll(() => dropTestSchemas());

  const opened = async (
    options: ConstructorParameters<typeof PostgresStore>[0] = {
      url,
      schema: testSchema(),
    },
  ) => {
    const store = new PostgresStore(options);
    await store.init();
    return store;
  };

  it('refuses options it cannot work with, naming the option and the fix', () => {
    const refused = (options: unknown) => () =>
      new PostgresStore(options as { url: string });
    expect(refused({})).toThrow(InvalidOptionsError);
    expect(refused({})).toThrow('exactly one of `url`');
    expect(refused({ url, pool: new Pool({ connectionString: url }) })).toThrow(
      'exactly one of `url`',
    );
    expect(refused({ url: 'mysql://db/x' })).toThrow(
      'a connection string such as postgres://',
    );
    expect(
      refused({ url: 'postgres://u:secret@db:5432/x', schema: 'Bad-Name' }),
    ).toThrow('Lidex option "PostgresStore schema" must be a schema name');
    expect(refused({ url, poolSize: 0 })).toThrow('a positive integer');
    expect(refused({ url, migrate: 'no' })).toThrow('true or false');
    expect(refused({ pool: { query: 1 } })).toThrow('a pg.Pool');
    expect(refused({ url, shcema: 'x' })).toThrow(UnknownOptionError);
    expect(refused({ url, shcema: 'x' })).toThrow('Did you mean "schema"');
    // The password never shows.
    expect(
      refused({ url: 'postgresql://u:secret@db/x', poolSize: -1 }),
    ).not.toThrow('secret');
  });

  it('fails to open, within its connect timeout, with an error naming the server but not the password', async () => {
    await expectQuickOpenFailure(
      'postgres',
      (url) => new PostgresStore({ url, connectTimeoutMs: 1000 }),
    );
  });

  it('runs on an existing pg.Pool, which it never ends', async () => {
    const pool = new Pool({ connectionString: url, max: 2 });
    const store = await opened({ pool, schema: testSchema() });
    expect(store.describe()).toContain('a shared pg.Pool');
    expect(
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 }),
    ).toBe(true);
    await store.close();
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('creates its schema once when several instances start together', async () => {
    const schema = testSchema();
    await expectOneSchemaForInstancesStartedTogether(
      () => new PostgresStore({ url, schema, poolSize: 2 }),
      () => sql(`SELECT version FROM "${schema}".schema_version`),
      SCHEMA_VERSION,
      T0,
    );
  });

  it('with migrate: false, refuses a schema not migrated, naming the fix; migrationSql() is that fix', async () => {
    const schema = testSchema();
    const store = new PostgresStore({ url, schema, migrate: false });
    const opening = store.init();
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    // The store is named once, by the error's opening words.
    await expect(opening).rejects.toThrow(
      `Lidex could not open its store (${store.describe()}): ` +
        messages.postgresSchemaOutdated(schema, 0, SCHEMA_VERSION),
    );
    // Applied by the team's own migration tool (here: one simple query), twice: idempotent.
    const script = PostgresStore.migrationSql({ schema });
    await sql(script);
    await sql(script);
    await store.init();
    expect(
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 }),
    ).toBe(true);
    await store.close();
    expect(() => PostgresStore.migrationSql({ schema: 'x;drop' })).toThrow(
      InvalidOptionsError,
    );
  });

  it('claims and lists through indexes, whatever the number of finished workflows', async () => {
    const store = await opened();
    const schema = store.schema;
    await sql(
      `INSERT INTO "${schema}".workflows
         (id, name, status, input, created_at, updated_at)
       SELECT 'done-' || i, 'wf', 'finished', '1', i, i FROM generate_series(1, 20000) i`,
    );
    await store.insertWorkflow({
      id: 'ready',
      name: 'wf',
      input: '1',
      now: T0,
    });
    await sql(`ANALYZE "${schema}".workflows`);
    const statements = postgresStatements(schema);
    const plan = async (text: string, values: unknown[]) =>
      (await sql<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values))
        .map((row) => row['QUERY PLAN'])
        .join('\n');
    // The claim searches the partial index of workflows that can still run: finished ones are
    // not in it at all.
    // With the versions a worker runs too: the version rule only filters what the index finds.
    // By priority, then age: the priority index, or the ready one (then sorted) when few are
    // ready; oldest first (a claim in ten), the ready index.
    for (const versions of ['{}', '{"wf":1,"other":3}']) {
      const values = [T0, ['t'], [T0 + 1], 1, versions];
      expect(await plan(statements.claim.text, values)).toMatch(
        /Index Scan using workflows_(priority_)?ready/,
      );
      expect(await plan(statements.claimOldest.text, values)).toContain(
        'Index Scan using workflows_ready',
      );
    }
    expect(
      await plan(
        statements.list({ status: true, name: false, after: true }).text,
        ['aborted', 5, 'x', 50],
      ),
    ).toContain('workflows_status');
    expect(
      (await claimNext(store, T0, { token: 't', until: T0 + 1 }))?.id,
    ).toBe('ready');
    await store.close();
  });

  it('answers true to a write repeated after its answer was lost, once it was applied', async () => {
    const store = await opened();
    const lease = { token: 'l1', until: T0 + 60_000 };
    const again = async <T>(write: () => Promise<T>): Promise<[T, T]> => [
      await write(),
      await write(),
    ];
    for (const id of ['sleeper', 'finisher', 'failer', 'releaser']) {
      await store.insertWorkflow(
        { id, name: 'wf', input: '1', now: T0 },
        {
          ...lease,
          token: `${id}-token`,
        },
      );
    }
    const nap = {
      kind: 'sleep' as const,
      id: 'nap',
      wakeAt: T0 + 9e6,
      recordedAt: T0,
    };
    expect(
      await again(() =>
        store.recordStep('sleeper', 'sleeper-token', nap, {
          readyAt: T0 + 9e6,
          release: true,
          now: T0 + 1,
        }),
      ),
    ).toEqual([true, true]);
    expect(
      await again(() =>
        store.recordFinish('finisher', 'finisher-token', {
          result: '"r"',
          now: T0 + 1,
        }),
      ),
    ).toEqual([true, true]);
    const failure = {
      error: { name: 'Error', message: 'down' },
      retryAt: T0 + 10,
      maxFailures: 3,
      now: T0 + 1,
    };
    expect(
      await again(() => store.recordFailure('failer', 'failer-token', failure)),
    ).toEqual([
      { status: 'failed', failures: 1 },
      { status: 'failed', failures: 1 },
    ]);
    expect(
      await again(() =>
        store.releaseLease('releaser', 'releaser-token', {
          readyAt: T0 + 5,
          now: T0 + 1,
        }),
      ),
    ).toEqual([true, true]);
    // Not a blank cheque: the same writes under a token that never held the workflow are refused.
    expect(
      await store.recordFinish('finisher', 'other', {
        result: '"r"',
        now: T0 + 1,
      }),
    ).toBe(false);
    expect(
      await store.releaseLease('releaser', 'other', {
        readyAt: T0 + 6,
        now: T0 + 2,
      }),
    ).toBe(false);
    expect((await store.getWorkflow('sleeper'))?.steps).toEqual([nap]);
    await store.close();
  });

  it('takes fractional times (an engine on the server clock adds a measured offset)', async () => {
    const store = await opened();
    const now = T0 + 0.5;
    await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now });
    const held = await claimNext(store, now, { token: 't', until: now + 1000 });
    expect(held?.id).toBe('a');
    expect(
      await store.recordStep(
        'a',
        't',
        { kind: 'step', id: 's', result: '1', startedAt: now, recordedAt: now },
        { readyAt: now + 1000, release: false, now },
      ),
    ).toBe(true);
    expect(
      await store.recordFinish('a', 't', { result: '2', now: now + 0.25 }),
    ).toBe(true);
    await store.close();
  });

  it('refuses calls before init() with a clear error', async () => {
    const store = new PostgresStore({ url });
    await expect(store.getWorkflow('a')).rejects.toThrow('call init() first');
  });
});
