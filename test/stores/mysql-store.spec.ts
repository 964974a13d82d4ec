import { spawnSync } from 'node:child_process';
import { createConnection, createPool } from 'mysql2/promise';
import {
  InvalidOptionsError,
  StoreUnavailableError,
  UnknownOptionError,
} from '@lidex/nestjs';
import { MysqlStore } from '@lidex/nestjs/mysql';
import { messages } from '../../lib/lidex.messages';
import { SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import { claimNext } from '../support/claim-next';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';
import {
  expectOneSchemaForInstancesStartedTogether,
  expectQuickOpenFailure,
} from '../support/sql-store-cases';

const url = mysqlUrl!;
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

describeMysql('MysqlStore', () => {
  afterAll(() => dropTestTables());

  const opened = async (
    options: ConstructorParameters<typeof MysqlStore>[0] = {
      url,
      tablePrefix: testPrefix(),
    },
  ) => {
    const store = new MysqlStore(options);
    await store.init();
    return store;
  };

  it('refuses options it cannot work with, naming the option and the fix', () => {
    const refused = (options: unknown) => () =>
      new MysqlStore(options as { url: string });
    expect(refused({})).toThrow(InvalidOptionsError);
    expect(refused({})).toThrow('exactly one of `url`');
    expect(refused({ url: 'postgres://db/x' })).toThrow(
      'a connection string such as mysql://',
    );
    expect(refused({ url, tablePrefix: 'Bad-Name' })).toThrow(
      'Lidex option "MysqlStore tablePrefix" must be a prefix',
    );
    expect(refused({ url, poolSize: 0 })).toThrow('a positive integer');
    expect(refused({ url, migrate: 'no' })).toThrow('true or false');
    expect(refused({ pool: { nope: 1 } })).toThrow('a mysql2 pool');
    expect(refused({ url, tablePrefx: 'x' })).toThrow(UnknownOptionError);
    expect(refused({ url, tablePrefx: 'x' })).toThrow(
      'Did you mean "tablePrefix"',
    );
    expect(refused({ url: 'mysql://u:secret@db/x', poolSize: -1 })).not.toThrow(
      'secret',
    );
  });

  it('fails to open, within its connect timeout, with an error naming the server but not the password', async () => {
    await expectQuickOpenFailure(
      'mysql',
      (url) => new MysqlStore({ url, connectTimeoutMs: 1000 }),
    );
  });

  it('runs on an existing mysql2 pool, which it never ends', async () => {
    const pool = createPool({ uri: url, connectionLimit: 2 });
    const store = await opened({ pool, tablePrefix: testPrefix() });
    expect(store.describe()).toContain('a shared mysql2 pool');
    expect(
      await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 }),
    ).toBe(true);
    await store.close();
    const [rows] = await pool.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('creates its tables once when several instances start together', async () => {
    const tablePrefix = testPrefix();
    await expectOneSchemaForInstancesStartedTogether(
      () => new MysqlStore({ url, tablePrefix, poolSize: 2 }),
      () => mysqlSql(`SELECT version FROM \`${tablePrefix}schema_version\``),
      SCHEMA_VERSION,
      T0,
    );
  });

  it('with migrate: false, refuses missing tables naming the fix; migrationSql() run by the mysql client makes them', async () => {
    const tablePrefix = testPrefix();
    const store = new MysqlStore({ url, tablePrefix, migrate: false });
    const opening = store.init();
    await expect(opening).rejects.toBeInstanceOf(StoreUnavailableError);
    // The store is named once, by the error's opening words.
    await expect(opening).rejects.toThrow(
      `Lidex could not open its store (${store.describe()}): ` +
        messages.mysqlSchemaOutdated(tablePrefix, 0, SCHEMA_VERSION),
    );
    await expect(opening).rejects.toThrow('MysqlStore.migrationSql(');

    const client = ['mariadb', 'mysql'].find(
      (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0,
    );
    if (!client) throw new Error('no mariadb or mysql client on PATH');
    const target = new URL(url);
    const applied = spawnSync(
      client,
      [
        '-h',
        target.hostname,
        '-P',
        target.port || '3306',
        '-u',
        decodeURIComponent(target.username),
        ...(target.password
          ? [`-p${decodeURIComponent(target.password)}`]
          : []),
        target.pathname.slice(1),
      ],
      { input: MysqlStore.migrationSql({ tablePrefix }), encoding: 'utf8' },
    );
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const migrated = await opened({ url, tablePrefix, migrate: false });
    expect(
      await migrated.insertWorkflow({
        id: 'a',
        name: 'wf',
        input: '1',
        now: T0,
      }),
    ).toBe(true);
    expect(
      await claimNext(migrated, T0, { token: 't', until: T0 + MINUTE }),
    ).toMatchObject({ id: 'a' });
    await migrated.close();
  });

  it('claims at the same cost however many finished workflows the table holds', async () => {
    const tablePrefix = testPrefix();
    // One connection: the session's handler counters are the claim's.
    const pool = createPool({ uri: url, connectionLimit: 1 });
    const store = await opened({ pool, tablePrefix });
    const rowsReadByClaim = async (): Promise<number> => {
      await store.insertWorkflow({
        id: `ready-${Math.random()}`,
        name: 'wf',
        input: '1',
        now: T0,
      });
      await pool.query('FLUSH STATUS');
      expect(
        await store.claimReady(T0, [
          { token: `t${Math.random()}`, until: T0 + MINUTE },
        ]),
      ).toHaveLength(1);
      const [rows] = await pool.query(
        "SHOW SESSION STATUS LIKE 'Handler_read%'",
      );
      return (rows as { Value: string }[]).reduce(
        (sum, row) => sum + Number(row.Value),
        0,
      );
    };
    const few = await rowsReadByClaim();
    const finished = Array.from({ length: 3000 }, (_, i) => i);
    for (let i = 0; i < finished.length; i += 500) {
      const batch = finished.slice(i, i + 500);
      await pool.query(
        `INSERT INTO \`${tablePrefix}workflows\`
          (id_key, id, name, status, input, created_at, updated_at)
         VALUES ${batch.map(() => "(UNHEX(SHA2(?, 256)), ?, 'wf', 'finished', '1', ?, ?)").join(', ')}`,
        batch.flatMap((n) => [`done-${n}`, `done-${n}`, T0, T0]),
      );
    }
    const many = await rowsReadByClaim();
    expect(many).toBeLessThan(few + 20);
    await store.close();
    await pool.end();
  });

  it('retries a step write InnoDB chose as a deadlock victim: the step is recorded, no error reaches the run', async () => {
    const tablePrefix = testPrefix();
    const store = await opened({ url, tablePrefix });
    await store.insertWorkflow({ id: 'a', name: 'wf', input: '1', now: T0 });
    const held = await claimNext(store, T0, {
      token: 'lease-1',
      until: T0 + MINUTE,
    });
    const deadlocks = async () =>
      Number(
        (
          await mysqlSql<{ Value: string }>(
            "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'",
          )
        )[0].Value,
      );
    const before = await deadlocks();

    // Another transaction, heavier than the store's (it has written 20 rows, so InnoDB picks the
    // store's as the victim), holds the gap where the step goes, then asks for the workflow's row
    // the store's write holds.
    const other = await createConnection({ uri: url });
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO \`${tablePrefix}workflows\` (id_key, id, name, status, input, created_at, updated_at)
       VALUES ${Array.from({ length: 20 }, (_, i) => `(UNHEX(SHA2('heavy-${i}', 256)), 'heavy-${i}', 'wf', 'finished', '1', 0, 0)`).join(', ')}`,
    );
    await other.query(
      `SELECT * FROM \`${tablePrefix}steps\` WHERE workflow_key = UNHEX(SHA2('a', 256)) FOR UPDATE`,
    );
    let settled = false;
    const writing = store
      .recordStep(
        'a',
        held!.leaseToken,
        { kind: 'step', id: 'one', result: '1', recordedAt: T0 },
        {
          readyAt: T0 + MINUTE,
          release: false,
          now: T0,
        },
      )
      .finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    await other.query(
      `SELECT * FROM \`${tablePrefix}workflows\` WHERE id_key = UNHEX(SHA2('a', 256)) FOR UPDATE`,
    );
    await other.query('ROLLBACK');
    await other.end();

    await expect(writing).resolves.toBe(true);
    expect(await deadlocks()).toBeGreaterThan(before);
    expect(
      (await store.getWorkflow('a'))?.steps.map((step) => step.id),
    ).toEqual(['one']);
    await store.close();
  });
});
