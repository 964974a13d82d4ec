import { mysqlBenchStore } from '../../bench/mysql-store';
import type { BenchPostgres } from '../../bench/peers/postgres-server';
import { postgresBenchStore } from '../../bench/peers/postgres-store';
import { observabilityOverhead } from '../../bench/scenarios/observability';
import type { BenchStore } from '../../bench/stores';
import { describeMysql, mysqlSql, mysqlUrl } from '../support/mysql';
import { describePostgres, postgresUrl, sql } from '../support/postgres';

/**
 * `--observability` on the server stores at a CI size: one round of each mode, on the test
 * servers, through the stores the bench opens (`postgresBenchStore`, `mysqlBenchStore`), so that
 * the names of the rounds' places are ones those stores take (a PostgreSQL schema, a MySQL table
 * prefix), and every span and event of the "on" round is counted.
 */
const WORKFLOWS = 10;

async function oneRoundEach(store: BenchStore) {
  const figures = await observabilityOverhead(store, WORKFLOWS, 1, () => {});
  // A run span and three step spans a workflow, and each round's caller span (the request the
  // workflows start from, made in both modes); started, claimed, three steps recorded, finished.
  expect(figures.spansExported).toBe(4 * WORKFLOWS + 2);
  expect(figures.eventsSeen).toBe(6 * WORKFLOWS);
  expect(figures.plainPerSecond).toBeGreaterThan(0);
  expect(figures.observedPerSecond).toBeGreaterThan(0);
}

describePostgres('observability rounds on PostgreSQL', () => {
  const schemas = ['lidex_obs_off_0', 'lidex_obs_on_0'];
  const dropSchemas = async () => {
    for (const schema of schemas)
      await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  beforeAll(dropSchemas);
  afterAll(dropSchemas);

  it('runs one round on and one off', async () => {
    // The test server in place of the bench's: its database, no other made or dropped.
    const server: Pick<BenchPostgres, 'createDatabase' | 'urlFor'> = {
      createDatabase: async () => {},
      urlFor: () => postgresUrl!,
    };
    await oneRoundEach(await postgresBenchStore(server as BenchPostgres));
  });
});

describeMysql('observability rounds on MySQL', () => {
  const dropRounds = async () => {
    for (const [kind, list] of [
      ['TABLE', 'tables WHERE table_schema'],
      ['PROCEDURE', 'routines WHERE routine_schema'],
    ] as const) {
      const rows = await mysqlSql<{ n: string }>(
        `SELECT ${kind === 'TABLE' ? 'table_name' : 'routine_name'} AS n
           FROM information_schema.${list} = DATABASE()
            AND ${kind === 'TABLE' ? 'table_name' : 'routine_name'} LIKE 'b%\\_obs\\_o%'`,
      );
      for (const { n } of rows) await mysqlSql(`DROP ${kind} \`${n}\``);
    }
  };
  const given = process.env.LIDEX_MYSQL_URL;
  beforeAll(async () => {
    process.env.LIDEX_MYSQL_URL = mysqlUrl;
    await dropRounds();
  });
  afterAll(async () => {
    if (given === undefined) delete process.env.LIDEX_MYSQL_URL;
    else process.env.LIDEX_MYSQL_URL = given;
    await dropRounds();
  });

  it('runs one round on and one off', async () => {
    const store = await mysqlBenchStore();
    if ('skipped' in store) throw new Error(store.skipped);
    await oneRoundEach(store);
  });
});
