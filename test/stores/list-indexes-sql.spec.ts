import { MysqlStore } from '@lidex/nestjs/mysql';
import { PostgresStore } from '@lidex/nestjs/postgres';
import { mysqlListSql } from '../../lib/stores/mysql/mysql.list-indexes';
import { SCHEMA_VERSION as MYSQL_SCHEMA_VERSION } from '../../lib/stores/mysql/mysql.schema';
import { SCHEMA_VERSION as PG_SCHEMA_VERSION } from '../../lib/stores/postgres/postgres.schema';
import { postgresStatements } from '../../lib/stores/postgres/postgres.statements';
import {
  KEY,
  label,
  PRIORITY,
  ROWS,
  SHAPES,
  STATUS,
  type Shape,
} from '../support/list-shapes';
import {
  describeMysql,
  dropTestTables,
  mysqlSql,
  mysqlUrl,
  testPrefix,
} from '../support/mysql';
import {
  describePostgres,
  dropTestSchemas,
  postgresUrl,
  sql,
  testSchema,
} from '../support/postgres';

/*
 * The dashboard's Priority and Key filters list through `list({ priority })` and
 * `list({ concurrencyKey })`, alone and with the status and name filters, every 2 s: among many
 * workflows each page is read through an index (newest first, the id tie-break, the cursor),
 * never a whole table. PostgreSQL reads one filter's index in list order; MySQL sorts the rows
 * the index found (see below).
 */

describePostgres('PostgreSQL: filtered lists', () => {
  let store: PostgresStore;
  let schema: string;

  beforeAll(async () => {
    schema = testSchema();
    store = new PostgresStore({ url: postgresUrl!, schema });
    await store.init();
    // The plans read the statistics of the ANALYZE below, not of an autovacuum's run meanwhile.
    await sql(
      `ALTER TABLE "${schema}".workflows SET (autovacuum_enabled = false)`,
    );
    await sql(
      `INSERT INTO "${schema}".workflows
         (id, name, status, input, ready_at, priority, concurrency_key, created_at, updated_at)
       SELECT 'w' || i, 'wf' || (i % 4),
         CASE i % 10 WHEN 0 THEN 'aborted' WHEN 1 THEN 'idle' ELSE 'finished' END, '1',
         CASE i % 10 WHEN 1 THEN i END, CASE i % 7 WHEN 0 THEN 5 ELSE 0 END,
         CASE WHEN i % 41 = 0 THEN 'big' WHEN i % 2 = 0 THEN 'k' || (i % 500) END, i, i
       FROM generate_series(1, $1::int) i`,
      [ROWS],
    );
    await sql(`ANALYZE "${schema}".workflows`);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await dropTestSchemas();
  });

  const explain = async (text: string, values: unknown[]): Promise<string> =>
    (await sql<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values))
      .map((row) => row['QUERY PLAN'])
      .join('\n');

  const plan = async (
    shape: Shape,
    after: boolean,
    priority = PRIORITY,
  ): Promise<string> => {
    const { text } = postgresStatements(schema).list({
      status: shape.status === true,
      name: shape.name === true,
      after,
      priority: shape.priority
        ? priority === 0
          ? 'default'
          : 'other'
        : undefined,
      concurrencyKey: shape.concurrencyKey,
    });
    const values = [
      ...(shape.status ? [STATUS] : []),
      ...(shape.name ? ['wf2'] : []),
      ...(shape.priority ? [priority] : []),
      ...(shape.concurrencyKey ? [KEY] : []),
      ...(after ? [ROWS / 2, 'w1'] : []),
      51,
    ];
    return explain(text, values);
  };

  /**
   * The index each shape reads. One filter: its index in list order, the first page read and no
   * more. Two or more: the planner reads the rows matching them through a filter's index (or a
   * bitmap of two) in list order, or sorts those few: never the whole table.
   */
  const expected = (shape: Shape): RegExp => {
    const ordered = (index: string) =>
      new RegExp(`^Limit.*\\n\\s+->\\s+Index Scan Backward using ${index} `);
    const found = (indexes: string) =>
      new RegExp(
        `(Index Scan Backward using|Bitmap Index Scan on) workflows_(${indexes}) `,
      );
    const filters = Object.keys(shape).join('+');
    if (filters === 'priority') return ordered('workflows_prioritized_newest');
    if (filters === 'concurrencyKey') return ordered('workflows_key_newest');
    if (filters === 'priority+status') return found('status_prioritized');
    if (filters === 'priority+name')
      return found('name_newest|prioritized_newest');
    return found('key_newest|status_prioritized|prioritized_newest');
  };

  it('reads an index in list order, or sorts only the few rows an index found', async () => {
    const plans: Record<string, string> = {};
    const wanted: Record<string, unknown> = {};
    for (const shape of SHAPES) {
      for (const after of [false, true]) {
        plans[label(shape, after)] = await plan(shape, after);
        wanted[label(shape, after)] = expect.stringMatching(expected(shape));
      }
    }
    expect(plans).toEqual(wanted);
    expect(Object.values(plans).join('\n')).not.toContain('Seq Scan');
  });

  it("lists the default priority (0) through the newest, or a filter's own index, in list order: no scan, no sort", async () => {
    const plans: Record<string, string> = {};
    const wanted: Record<string, unknown> = {};
    for (const shape of SHAPES.filter((s) => s.priority)) {
      for (const after of [false, true]) {
        plans[label(shape, after)] = await plan(shape, after, 0);
        wanted[label(shape, after)] = expect.stringMatching(
          /(Index Scan Backward using|Bitmap Index Scan on) workflows_(newest|status|name_newest|key_newest) /,
        );
      }
    }
    expect(plans).toEqual(wanted);
    expect(Object.values(plans).join('\n')).not.toContain('Seq Scan');
  });

  it('replaces the indexes of a schema of version 12 by the leaner ones, once', async () => {
    const older = testSchema();
    const first = new PostgresStore({ url: postgresUrl!, schema: older });
    await first.init();
    await first.close();
    const indexes = async () =>
      (
        await sql<{ indexname: string }>(
          `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'workflows'
           ORDER BY indexname`,
          [older],
        )
      ).map((row) => row.indexname);
    const current = await indexes();
    // Back to what version 12 made.
    for (const index of [
      'workflows_name_newest',
      'workflows_prioritized_newest',
      'workflows_status_prioritized',
    ])
      await sql(`DROP INDEX "${older}".${index}`);
    const workflows = `"${older}".workflows`;
    await sql(
      `CREATE INDEX workflows_name ON ${workflows} (name, created_at, id)`,
    );
    await sql(
      `CREATE INDEX workflows_name_status ON ${workflows} (name, status)`,
    );
    await sql(
      `CREATE INDEX workflows_priority_newest ON ${workflows} (priority, created_at, id)`,
    );
    await sql(
      `CREATE INDEX workflows_status_priority ON ${workflows} (status, priority, created_at, id)`,
    );
    await sql(`UPDATE "${older}".schema_version SET version = 12`);
    const upgraded = new PostgresStore({ url: postgresUrl!, schema: older });
    await upgraded.init();
    await upgraded.close();
    expect(await indexes()).toEqual(current);
    expect(current).toEqual(
      expect.arrayContaining([
        'workflows_name_newest',
        'workflows_prioritized_newest',
        'workflows_status_prioritized',
      ]),
    );
    expect(current).not.toEqual(
      expect.arrayContaining(['workflows_name_status']),
    );
    expect(await sql(`SELECT version FROM "${older}".schema_version`)).toEqual([
      { version: PG_SCHEMA_VERSION },
    ]);
    // The whole migration again, on the current schema: nothing changes, nothing fails.
    await sql(PostgresStore.migrationSql({ schema: older }));
    expect(await indexes()).toEqual(current);
  });

  it("counts one name's workflows from its index alone", async () => {
    // As autovacuum would (disabled here): its visibility map lets a scan skip the table.
    await sql(`VACUUM "${schema}".workflows`);
    const { text } = postgresStatements(schema).countByStatusOfName;
    expect(await explain(text, ['wf2'])).toMatch(
      /Index Only Scan using workflows_name_newest /,
    );
  });
});

/** 0 .. 99,999 from five cross-joined digit tables (no recursive CTE limit to raise). */
const DIGITS = `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7
  UNION ALL SELECT 8 UNION ALL SELECT 9)`;
const NUMBERS = `SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS i
  FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} e, ${DIGITS} f`;

describeMysql('MySQL: filtered lists', () => {
  let store: MysqlStore;
  let prefix: string;

  beforeAll(async () => {
    prefix = testPrefix();
    store = new MysqlStore({
      url: mysqlUrl!,
      tablePrefix: prefix,
      poolSize: 2,
    });
    await store.init();
    await mysqlSql(
      `INSERT INTO \`${prefix}workflows\`
         (id_key, id, name, status, input, ready_at, priority, concurrency_key, created_at,
          updated_at)
       SELECT UNHEX(SHA2(CONCAT('w', i), 256)), CONCAT('w', i), CONCAT('wf', i % 4),
         CASE i % 10 WHEN 0 THEN 'aborted' WHEN 1 THEN 'idle' ELSE 'finished' END, '1',
         CASE i % 10 WHEN 1 THEN i END, CASE i % 7 WHEN 0 THEN 5 ELSE 0 END,
         CASE WHEN i % 41 = 0 THEN 'big' WHEN i % 2 = 0 THEN CONCAT('k', i % 500) END, i, i
       FROM (${NUMBERS}) n WHERE i >= 1 AND i <= ?`,
      [ROWS],
    );
    await mysqlSql(`ANALYZE TABLE \`${prefix}workflows\``);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await dropTestTables();
  });

  const plan = async (shape: Shape, after: boolean): Promise<string[]> => {
    const { text, values } = mysqlListSql(prefix, {
      ...(shape.status ? { status: STATUS } : {}),
      ...(shape.name ? { name: 'wf2' } : {}),
      ...(shape.priority ? { priority: PRIORITY } : {}),
      ...(shape.concurrencyKey ? { concurrencyKey: KEY } : {}),
      ...(after ? { after: { createdAt: ROWS / 2, id: 'w1' } } : {}),
      limit: 51,
    });
    const rows = await mysqlSql<{
      select_type: string;
      table: string | null;
      type: string;
      key: string | null;
      Extra: string | null;
    }>(`EXPLAIN ${text}`, values);
    // The workflows table's reads: the page's rows (PRIMARY) and its bound (DERIVED).
    return rows
      .filter((row) => row.table === `${prefix}workflows`)
      .map(
        (row) => `${row.select_type} ${row.type} ${row.key} ${row.Extra ?? ''}`,
      );
  };

  /*
   * No index gives the list's order whole on MySQL (an id is a MEDIUMTEXT, indexed by a
   * prefix): the page's bound is read from an index in `created_at` order, then the rows from
   * it on (a page's worth) through an index, and sorted. One filter: its index, no sort for the
   * bound. Two: any index that leads with a filtered column (or two merged), as the sampled
   * estimates choose; never the newest alone, never the whole table.
   */
  it('reads a page through an index, never the whole table', async () => {
    const plans: Record<string, string[]> = {};
    const wanted: Record<string, unknown> = {};
    for (const shape of SHAPES) {
      const filters = Object.keys(shape).join('+');
      const index =
        filters === 'priority'
          ? 'workflows_priority_newest'
          : filters === 'concurrencyKey'
            ? 'workflows_key_newest'
            : undefined;
      for (const after of [false, true]) {
        plans[label(shape, after)] = await plan(shape, after);
        wanted[label(shape, after)] = [
          expect.stringMatching(
            /^PRIMARY ((ref|range|index_merge) workflows_(?!newest )|ALL workflows_\w+ Range checked for each record)/,
          ),
          expect.stringMatching(
            index
              ? new RegExp(`^DERIVED (ref|range) ${index} (?!.*filesort)`)
              : /^DERIVED (ref|range|index_merge) workflows_(?!newest )/,
          ),
        ];
      }
    }
    expect(plans).toEqual(wanted);
  });

  it('adds the indexes to tables of the previous schema version', async () => {
    const older = testPrefix();
    const first = new MysqlStore({ url: mysqlUrl!, tablePrefix: older });
    await first.init();
    await first.close();
    const indexes = async () =>
      (
        await mysqlSql<{ INDEX_NAME: string }>(
          `SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS
           WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME IN
             ('workflows_priority_newest', 'workflows_status_priority', 'workflows_key_newest')
           ORDER BY INDEX_NAME`,
          [`${older}workflows`],
        )
      ).map((row) => row.INDEX_NAME);
    for (const index of await indexes())
      await mysqlSql(`DROP INDEX ${index} ON \`${older}workflows\``);
    await mysqlSql(
      `UPDATE \`${older}schema_version\` SET version = ${MYSQL_SCHEMA_VERSION - 1}`,
    );
    expect(await indexes()).toEqual([]);
    const upgraded = new MysqlStore({ url: mysqlUrl!, tablePrefix: older });
    await upgraded.init();
    await upgraded.close();
    expect(await indexes()).toEqual([
      'workflows_key_newest',
      'workflows_priority_newest',
      'workflows_status_priority',
    ]);
    expect(
      await mysqlSql(`SELECT version FROM \`${older}schema_version\``),
    ).toEqual([{ version: MYSQL_SCHEMA_VERSION }]);
  });
});
